import type { AccessTokenProvider } from '../authorizer/access-token-provider.js';
import type { DpopService } from '../dpop/dpop.service.js';
import type { RetryOn401 } from '../options/token-http-options.interface.js';

/** Options of `attachTokenInterceptor()`. */
export interface TokenInterceptorOptions {
  /**
   * Origins that receive the token. Default: the origin of the instance's `defaults.baseURL`; without
   * one, this list is required. `['*']` sends the token everywhere (unsafe).
   */
  allowedOrigins?: readonly string[] | undefined;
  /** One-shot retry on 401, default `true`. */
  retryOn401?: RetryOn401 | undefined;
  /**
   * Sender-constrained tokens (RFC 9449): the `DpopService` of the `TokenModule` whose manager is the
   * token source (`moduleRef.get(DpopService)`). When it is enabled, allowed requests carry
   * `Authorization: DPoP <token>` and a fresh proof, server nonces are followed, and any redirect drops
   * the credentials; a disabled service (no `dpop` option) leaves plain Bearer.
   */
  dpop?: DpopService | undefined;
  /**
   * Told the origin of each request resent after a 401 with a renewed token. Default: the token
   * manager's own reporting (an `unauthorized_retry` event), when the provider is a `TokenManagerService`.
   */
  onUnauthorizedRetry?: ((origin: string) => void) | undefined;
  /**
   * The token provider of particular origins (for example `manager.tokensFor({ resource })`): requests to
   * such an origin carry its token, and a 401 there renews only that one. Each origin must be allowed.
   */
  tokensByOrigin?: ReadonlyMap<string, AccessTokenProvider> | undefined;
}
