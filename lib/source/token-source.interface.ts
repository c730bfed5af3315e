import type { IssuedToken } from '../core/issued-token.interface.js';
import type { CachedToken } from '../manager/cached-token.js';

/**
 * Where the manager's tokens come from: the layer between the manager (cache, single-flight, events)
 * and the endpoint client (HTTP). It holds the seed behaviours: gateway revoke-and-refetch, stable-window
 * verification and the session exchange. Every method is called inside the manager's single flight.
 * @internal
 */
export interface TokenSource {
  /** A new token. `current` is the cached token being replaced, if any. */
  fetchToken(signal: AbortSignal, current?: CachedToken): Promise<IssuedToken>;
  /** Re-verifies a young token (stable window): undefined when it stands, else its replacement. */
  verifyToken(cached: CachedToken, signal: AbortSignal): Promise<IssuedToken | undefined>;
  /** A token after a server rejected `rejectedToken` and a plain fetch returned that same token again. */
  renewRejected(rejectedToken: string, signal: AbortSignal): Promise<IssuedToken>;
  /** Revokes a token (RFC 7009) when a revocation endpoint is configured; never throws. */
  revokeQuietly(token: string, signal?: AbortSignal): Promise<void>;
}
