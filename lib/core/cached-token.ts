import type { IssuedToken } from './issued-token.interface.js';
import { MAX_MARGIN_FRACTION_OF_LIFETIME, MAX_TOKEN_LIFETIME_SECONDS } from './token-lifetime-bounds.js';

/** A token in the cache, with the instants that drive its lifecycle. @internal */
export interface CachedToken {
  readonly value: string;
  readonly tokenType: string;
  readonly scope?: string;
  /** When the token request that produced it was sent (ms since the epoch), by this or another instance. */
  readonly obtainedAtMs: number;
  /** Past this instant the token is never handed out. */
  readonly expiresAtMs: number;
  /** From this instant the token is stale: still served, while one refresh runs. */
  readonly refreshAtMs: number;
  /** Stable window: before this instant the token is re-verified with the server before each use. */
  readonly verifyUntilMs?: number;
  /** Past this instant callers wait for a new token instead of being served this one (default `expiresAtMs`). */
  readonly servableUntilMs?: number;
  /** The issuing server's clock offset estimated from its answer (`IssuedToken.serverClockOffsetMs`); never moves the instants above. */
  readonly serverClockOffsetMs?: number;
}

/** The token-source settings that shape a cached token's lifecycle (options of the same names). @internal */
export interface TokenCachePolicy {
  readonly stableAfterSeconds?: number | undefined;
  readonly revokeAgingTokens?: boolean | undefined;
  readonly sessionExchangeUrl?: string | undefined;
}

/**
 * When a token counts as stale: `refreshMarginSeconds` before it expires, but never earlier than
 * half-way through its life. Without the clamp a 60 s token under the default 300 s margin would be
 * stale on arrival and every call would refetch it. Expiry counts from when the request was sent,
 * so the cached expiry is never later than the server's.
 *
 * The token source can change that (`policy`):
 * - revoke-and-refetch (`revocationUrl`) means a stale token is revoked when it is replaced, so it is not served
 *   once stale: callers wait for the replacement (gateway revoke-and-refetch);
 * - a session token cannot be renewed, so it has no stale phase and is served until it expires;
 * - `stableAfterSeconds` marks the token's first seconds as the stable window.
 * @internal
 */
export function cacheIssuedToken(
  issued: IssuedToken,
  requestSentAtMs: number,
  refreshMarginSeconds: number,
  policy?: TokenCachePolicy,
): CachedToken {
  // Bounded here too, for tokens that did not come through the response parser (a store, a custom source).
  const lifetimeMs = Math.min(issued.expiresInSeconds, MAX_TOKEN_LIFETIME_SECONDS) * 1000;
  const renewable = policy?.sessionExchangeUrl === undefined;
  const marginMs = renewable ? Math.min(refreshMarginSeconds * 1000, lifetimeMs * MAX_MARGIN_FRACTION_OF_LIFETIME) : 0;
  const expiresAtMs = requestSentAtMs + lifetimeMs;
  const refreshAtMs = expiresAtMs - marginMs;
  const stableAfterMs = (policy?.stableAfterSeconds ?? 0) * 1000;
  return {
    value: issued.accessToken,
    tokenType: issued.tokenType,
    ...(issued.scope !== undefined ? { scope: issued.scope } : {}),
    obtainedAtMs: requestSentAtMs,
    expiresAtMs,
    refreshAtMs,
    ...(stableAfterMs > 0 ? { verifyUntilMs: requestSentAtMs + stableAfterMs } : {}),
    ...(policy?.revokeAgingTokens ? { servableUntilMs: refreshAtMs } : {}),
    ...(issued.serverClockOffsetMs !== undefined ? { serverClockOffsetMs: issued.serverClockOffsetMs } : {}),
  };
}

/** Where a cached token is in its life at an instant; an absent token counts as `expired`. @internal */
export type TokenPhase = 'fresh' | 'verify' | 'stale' | 'expired';

/**
 * - `verify` inside the stable window: re-verified with the server before use (`stableAfterSeconds`);
 * - `fresh` before `refreshAtMs`: served, nothing else happens;
 * - `stale` from `refreshAtMs` until it stops being servable: still served while one refresh runs;
 * - `expired` from `servableUntilMs` (default `expiresAtMs`) on, or no token: never served, callers wait.
 * @internal
 */
export function tokenPhase(token: CachedToken | undefined, nowMs: number): TokenPhase {
  if (token === undefined || nowMs >= (token.servableUntilMs ?? token.expiresAtMs)) return 'expired';
  if (nowMs >= token.refreshAtMs) return 'stale';
  return token.verifyUntilMs !== undefined && nowMs < token.verifyUntilMs ? 'verify' : 'fresh';
}

/** Served from memory without any call: the hot path's test. @internal */
export function isFresh(token: CachedToken, nowMs: number): boolean {
  return nowMs < token.refreshAtMs && (token.verifyUntilMs === undefined || nowMs >= token.verifyUntilMs);
}
