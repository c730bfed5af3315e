import { isSendableAccessToken } from '../internal/access-token-syntax.js';
import { pickStoredToken, type StoredToken } from '../core/token-store.interface.js';

/** The token types a token endpoint answer is normalised to. */
const TOKEN_TYPES: readonly string[] = ['Bearer', 'DPoP'];
/** The latest instant a Date can hold (ECMA-262 §21.4.1.1): an expiry past it is no lifetime at all. */
const MAX_INSTANT_MS = 8.64e15;

/**
 * A token read from a store, checked as strictly as one from the token endpoint, since whoever can
 * write to the store can plant anything: an access token a header can carry (RFC 6749 A.12), a known
 * token type, a positive lifetime that ends at a representable instant. An `obtainedAtMs` later than
 * `nowMs` (a peer whose clock runs ahead) is clamped to `nowMs`, so a peer's skew never stretches the
 * expiry here. Undefined when the value is not usable.
 * @internal
 */
export function usableStoredToken(value: StoredToken, nowMs: number): StoredToken | undefined {
  const { accessToken, tokenType, scope, expiresInSeconds, obtainedAtMs } = value as Partial<Record<keyof StoredToken, unknown>>;
  const usable =
    typeof accessToken === 'string' &&
    isSendableAccessToken(accessToken) &&
    typeof tokenType === 'string' &&
    TOKEN_TYPES.includes(tokenType) &&
    (scope === undefined || typeof scope === 'string') &&
    typeof expiresInSeconds === 'number' &&
    expiresInSeconds > 0 &&
    typeof obtainedAtMs === 'number' &&
    Number.isFinite(obtainedAtMs) &&
    Math.min(obtainedAtMs, nowMs) + expiresInSeconds * 1000 <= MAX_INSTANT_MS;
  if (!usable) return undefined;
  return pickStoredToken({ ...value, expiresInDefaulted: value.expiresInDefaulted === true, obtainedAtMs: Math.min(obtainedAtMs, nowMs) });
}

/** When a stored token expires (ms since the epoch). @internal */
export function storedTokenExpiresAtMs(token: StoredToken): number {
  return token.obtainedAtMs + token.expiresInSeconds * 1000;
}
