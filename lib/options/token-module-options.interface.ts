import type { RetryOn401, TokenHttpOptions } from '../http/http-options.interface.js';

/** How the client authenticates at the token endpoint. */
export type ClientAuthMethod = 'client_secret_basic' | 'client_secret_post';

/** A milliseconds-since-epoch clock. Inject a controllable one in tests. */
export type Clock = () => number;

/**
 * Options of `TokenModule.forRoot()` / `TokenModule.forRootAsync()`.
 *
 * Every option is validated at startup; an invalid one fails with `TokenConfigError`.
 */
export interface TokenModuleOptions {
  /** Absolute `http(s)` URL of the OAuth2 token endpoint. */
  tokenUrl: string;
  /** OAuth2 client id. */
  clientId: string;
  /** OAuth2 client secret. Never logged, never echoed in errors. */
  clientSecret: string;
  /** Requested scope: a space-separated string or a list. Omitted when empty. */
  scope?: string | string[];
  /** `audience` parameter (Auth0 and similar). */
  audience?: string;
  /** RFC 8707 resource indicator(s): absolute URIs, each sent as its own `resource` parameter. */
  resource?: string | string[];
  /** Further form parameters for the token request. Cannot override `grant_type` or client credentials. */
  extraParams?: Record<string, string>;
  /** Client authentication, default `client_secret_basic` (RFC 6749 §2.3.1). */
  clientAuthMethod?: ClientAuthMethod;
  /**
   * A token counts as stale this many seconds before it expires, default 300. The effective margin is
   * never more than half the token's lifetime, so short-lived tokens are used for at least half their life.
   */
  refreshMarginSeconds?: number;
  /** Lifetime assumed when a token response has no `expires_in`, default 3600. */
  defaultExpiresInSeconds?: number;
  /** Deadline of one token request in milliseconds, default 10000. */
  requestTimeoutMs?: number;
  /** Milliseconds-since-epoch clock, default `Date.now`. For tests. */
  clock?: Clock;
  /**
   * The authorized `HttpService` this module exports: axios options (`baseURL`, `timeout`, ...) plus
   * `allowedOrigins`. The token goes only to the origin of `baseURL` and to `allowedOrigins`; one of
   * them is required. Without `http`, the exported `HttpService` rejects every request with
   * `TokenConfigError`, and `TokenManagerService` works as usual.
   */
  http?: TokenHttpOptions;
  /** Renew the token and resend once on a 401 to a request that carried it. Default true. */
  retryOn401?: RetryOn401;
}
