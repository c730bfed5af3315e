import type { HttpModuleOptions } from '@nestjs/axios';
import type { AxiosError } from 'axios';
import type { DpopService } from '../dpop/dpop.service.js';

/**
 * The `http` option: configuration of the authorized `HttpService` that `TokenModule` exports.
 *
 * Every axios setting (`baseURL`, `timeout`, `headers`, agents, ...) applies to the module's own axios
 * instance, never to the process-global `axios`.
 */
export type TokenHttpOptions = Omit<HttpModuleOptions, 'global'> & {
  /**
   * Origins (`scheme://host[:port]`) that receive the Bearer token, in addition to the origin of
   * `baseURL`. `['*']` sends the token to every origin: unsafe, since any URL your code is tricked into
   * calling then receives a valid token. Required when there is no `baseURL`.
   */
  allowedOrigins?: string[];
};

/**
 * Whether a 401 to a request that carried the token should renew the token and resend the request
 * once. `true` (default) for every such 401, `false` never, or a predicate on the axios error, for
 * example one that reads RFC 6750's `WWW-Authenticate: Bearer error="invalid_token"`.
 */
export type RetryOn401 = boolean | ((error: AxiosError) => boolean);

/** Options of `attachTokenInterceptor()`. */
export interface TokenInterceptorOptions {
  /**
   * Origins that receive the token. Default: the origin of the instance's `defaults.baseURL`; without
   * one, this list is required. `['*']` sends the token everywhere (unsafe).
   */
  allowedOrigins?: readonly string[];
  /** One-shot retry on 401, default `true`. */
  retryOn401?: RetryOn401;
  /**
   * Sender-constrained tokens (RFC 9449): the `DpopService` of the `TokenModule` whose manager is the
   * token source (`moduleRef.get(DpopService)`). When it is enabled, allowed requests carry
   * `Authorization: DPoP <token>` and a fresh proof, server nonces are followed, and any redirect drops
   * the credentials; a disabled service (no `dpop` option) leaves plain Bearer.
   */
  dpop?: DpopService;
  /**
   * Told the origin of each request resent after a 401 with a renewed token. Default: the token
   * manager's own reporting (an `unauthorized_retry` event), when the provider is a `TokenManagerService`.
   */
  onUnauthorizedRetry?: (origin: string) => void;
}
