import type { CachedToken } from '../core/cached-token.js';
import type { IssuedToken } from '../core/issued-token.interface.js';

/**
 * A token from a source. `obtainedAtMs` is set when its request was sent earlier, by another instance of
 * a fleet (the fleet decorator); expiry then counts from that instant. @internal
 */
export type SourcedToken = IssuedToken & { readonly obtainedAtMs?: number };

/**
 * Where the manager's tokens come from: the layer between the manager (cache, single flight, events)
 * and the endpoint client (HTTP). Behaviours wrap it rather than branch the manager: gateway
 * revoke-and-refetch and stable-window verification (`EndpointTokenSource`), the session exchange, and
 * fleet sharing through a store (`FleetTokenSource`). Every method is called inside the manager's
 * single flight, except `discard`, `revokeQuietly` and `close`.
 * @internal
 */
export interface TokenSource {
  /** A new token. `current` is the cached token being replaced, if any. */
  fetchToken(signal: AbortSignal, current?: CachedToken): Promise<SourcedToken>;
  /** Re-verifies a young token (stable window): undefined when it stands, else its replacement. */
  verifyToken(cached: CachedToken, signal: AbortSignal): Promise<IssuedToken | undefined>;
  /** A token after a server rejected `rejectedToken`, never that one when it can be avoided. */
  renewRejected(rejectedToken: string, signal: AbortSignal): Promise<SourcedToken>;
  /** Revokes a token (RFC 7009) when a revocation endpoint is configured; never throws. */
  revokeQuietly(token: string, signal?: AbortSignal): Promise<void>;
  /** The manager dropped `token` (rejected, or revoked at shutdown): it is not handed out again. Never rejects. */
  discard?(token: string): Promise<void>;
  /** Releases what the source holds open (the fleet's store), after the last use. Never rejects. */
  close?(): Promise<void>;
}
