import { sha256Hex } from '../internal/sha256.js';

/** Bumped when the fingerprint material changes, so old and new versions never share a key. */
const FINGERPRINT_VERSION = 'v1';

/** What changes which token the endpoint issues, secrets already hashed by the caller's choice. @internal */
export interface FingerprintMaterial {
  readonly tokenUrl: string;
  readonly clientId: string;
  /** `credentialHash` of the client's credentials: a SHA-256 that reveals nothing. */
  readonly credentialHash: string;
  readonly scope?: string | undefined;
  readonly audience?: string | undefined;
  readonly resources: readonly string[];
  readonly extraParams: Readonly<Record<string, string>>;
  readonly sessionExchangeUrl?: string | undefined;
  readonly sessionCode?: string | undefined;
}

/**
 * The fingerprint of a client: SHA-256 (hex) over everything that changes which token the endpoint
 * issues — token URL, client id, a hash of the credentials (`credentialHash`), scope, audience, resource indicators and
 * extra parameters, and in session mode the exchange URL and a SHA-256 of the session code (a session
 * token belongs to its session). It carries no client id in clear and no secret, so store key names
 * derive from it (`tokenCacheKey`); a rotated secret yields a new fingerprint, so instances on the old
 * and the new secret never hand each other tokens.
 * @internal
 */
export function clientFingerprint(material: FingerprintMaterial): string {
  return sha256Hex(
    JSON.stringify([
      FINGERPRINT_VERSION,
      material.tokenUrl,
      material.clientId,
      material.credentialHash,
      // Order does not change the token issued, so it must not change the fingerprint.
      material.scope?.split(' ').sort() ?? null,
      material.audience ?? null,
      [...material.resources].sort(),
      Object.entries(material.extraParams).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)),
      // A session token belongs to its code: appended only in session mode, the code hashed.
      ...(material.sessionExchangeUrl !== undefined
        ? [['session', material.sessionExchangeUrl, sha256Hex(material.sessionCode ?? '')]]
        : []),
    ]),
  );
}
