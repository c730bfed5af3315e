import { createHash } from 'node:crypto';
import { credentialHash } from '../credentials/credential-hash.js';
import type { ResolvedTokenOptions } from '../options/resolved-token-options.js';

/** Bumped when the fingerprint material changes, so old and new versions never share a key. */
const FINGERPRINT_VERSION = 'v1';

/**
 * The fingerprint under which a fleet shares a token: SHA-256 (hex) over everything that changes
 * which token the endpoint issues — token URL, client id, a hash of the credential (`credentialHash`), scope,
 * audience, resource indicators and extra parameters, with DPoP the key thumbprint (a DPoP-bound
 * token is useless to an instance holding another key), and in session mode the exchange URL and a
 * SHA-256 of the session code (a session token belongs to its session). Store key names carry only this hash, never a
 * client id in clear or a secret. A rotated secret yields a new key, so instances on the old and the
 * new secret never hand each other tokens.
 * @internal
 */
export function tokenCacheKey(options: ResolvedTokenOptions, dpopThumbprint?: string): string {
  const material = JSON.stringify([
    FINGERPRINT_VERSION,
    options.tokenUrl,
    options.clientId,
    credentialHash(options.revealCredentials()),
    // Order does not change the token issued, so it must not change the key.
    options.scope?.split(' ').sort() ?? null,
    options.audience ?? null,
    [...options.resources].sort(),
    Object.entries(options.extraParams).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)),
    // Appended only with DPoP, so the keys of Bearer clients stay what they were.
    ...(dpopThumbprint !== undefined ? [['dpop', dpopThumbprint]] : []),
    // A session token belongs to its code: appended only in session mode, the code hashed.
    ...(options.sessionExchangeUrl !== undefined
      ? [['session', options.sessionExchangeUrl, sha256Hex(options.revealCredentials().sessionCode ?? '')]]
      : []),
  ]);
  return sha256Hex(material);
}

/**
 * The store key under which a fleet agrees on one generated DPoP key: the client fingerprint of
 * `tokenCacheKey` (without a thumbprint, which is what is being agreed on) plus the algorithm, so two
 * clients never share a key and a new `alg` gets a new key.
 * @internal
 */
export function sharedDpopKeyStoreKey(options: ResolvedTokenOptions, alg: string): string {
  return sha256Hex(JSON.stringify([FINGERPRINT_VERSION, 'dpop-key', tokenCacheKey(options), alg]));
}

/** SHA-256 of a UTF-8 string, as lowercase hex. @internal */
export function sha256Hex(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}
