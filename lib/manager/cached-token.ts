import type { IssuedToken } from '../endpoint/issued-token.interface.js';
import { MAX_MARGIN_FRACTION_OF_LIFETIME } from '../options/token-options.defaults.js';

/** A token in the cache, with the instants that drive its lifecycle. @internal */
export interface CachedToken {
  readonly value: string;
  readonly tokenType: string;
  readonly scope?: string;
  readonly obtainedAtMs: number;
  /** Past this instant the token is never handed out. */
  readonly expiresAtMs: number;
  /** From this instant the token is stale: still served, while one refresh runs. */
  readonly refreshAtMs: number;
}

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
