import type { IssuedToken } from '../endpoint/issued-token.interface.js';
import type { StoredToken } from '../store/token-store.interface.js';
import { MAX_MARGIN_FRACTION_OF_LIFETIME } from '../options/token-options.defaults.js';

/** A token in the cache, with the instants that drive its lifecycle. @internal */
export type CachedToken = StoredToken;

/**
 * When a token counts as stale: `refreshMarginSeconds` before it expires, but never earlier than
 * half-way through its life. Without the clamp a 60 s token under the default 300 s margin would be
 * stale on arrival and every call would refetch it. Expiry counts from when the request was sent,
 * so the cached expiry is never later than the server's.
 * @internal
 */
export function cacheIssuedToken(issued: IssuedToken, requestSentAtMs: number, refreshMarginSeconds: number): CachedToken {
  const lifetimeMs = issued.expiresInSeconds * 1000;
  const marginMs = Math.min(refreshMarginSeconds * 1000, lifetimeMs * MAX_MARGIN_FRACTION_OF_LIFETIME);
  const expiresAtMs = requestSentAtMs + lifetimeMs;
  return {
    value: issued.accessToken,
    tokenType: issued.tokenType,
    ...(issued.scope !== undefined ? { scope: issued.scope } : {}),
    obtainedAtMs: requestSentAtMs,
    expiresAtMs,
    refreshAtMs: expiresAtMs - marginMs,
  };
}

/** Where a cached token is in its life at an instant; an absent token counts as `expired`. @internal */
export type TokenPhase = 'fresh' | 'stale' | 'expired';

/**
 * - `fresh` before `refreshAtMs`: served, nothing else happens;
 * - `stale` from `refreshAtMs` until `expiresAtMs`: still served while one refresh runs in the background;
 * - `expired` from `expiresAtMs` on (or no token): never served, callers wait for a refresh.
 * @internal
 */
export function tokenPhase(token: CachedToken | undefined, nowMs: number): TokenPhase {
  if (token === undefined || nowMs >= token.expiresAtMs) return 'expired';
  return nowMs < token.refreshAtMs ? 'fresh' : 'stale';
}
