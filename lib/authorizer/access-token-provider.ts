import type { TokenRequestParameters } from '../options/token-request-parameters.interface.js';

/**
 * What a request authorizer (and so `attachTokenInterceptor`) needs from a token manager;
 * `TokenManagerService` and `TokenManagerMock` are ones. With `peekFreshToken`, requests that find a
 * fresh cached token are authorized synchronously, without a promise hop. With DPoP, `tokenTypeOf`
 * (or, without it, `getTokenInfo`) tells whether the IdP issued a token as Bearer
 * (`allowBearerDowngrade`); without either the token is taken as DPoP-bound. With `tokensFor`, a request
 * may name its own token parameters (the `tokenParameters` of an axios config or a fetch init).
 */
export interface AccessTokenProvider {
  /** A valid access token; rejects when `signal` aborts first. */
  getAccessToken(options?: { readonly signal?: AbortSignal }): Promise<string>;
  /** Drops the cached token, only if it is still `rejectedToken` when one is named. */
  invalidate(rejectedToken?: string): void;
  /** After a 401: drops `rejectedToken` (if still cached) and returns a token, shared by concurrent callers. */
  renewRejected(rejectedToken: string, options?: { readonly signal?: AbortSignal }): Promise<string>;
  /** The cached token when it is fresh, else undefined; never starts a refresh. */
  peekFreshToken?(): string | undefined;
  /** The `token_type` the IdP issued `token` with, when known. */
  tokenTypeOf?(token: string): string | undefined;
  /** Facts about the cached token: its `tokenType` is read when `tokenTypeOf` is absent. */
  getTokenInfo?(): { readonly tokenType: string } | null;
  /** The provider of the token for `parameters` (merged with the registration's, as `getAccessToken(parameters)` merges them). */
  tokensFor?(parameters: TokenRequestParameters): AccessTokenProvider;
}
