/**
 * nestjs-client-credentials: OAuth2 client-credentials tokens for NestJS.
 * Every public name is listed here explicitly, grouped by feature.
 * @packageDocumentation
 */

import type { AccessTokenProvider } from './authorizer/access-token-provider.js';
// Declares the `tokenParameters` field of axios request configs for every consumer of the package.
import './http/axios-token-parameters.js';

// Module
export { TokenModule } from './token.module.js';
export type { TokenModuleAsyncOptions, TokenModuleExtras, TokenModuleForRootOptions } from './token.module-definition.js';
export { TOKEN_MODULE_OPTIONS } from './token.module-definition.js';

// Token manager
export { TokenManagerService } from './manager/token-manager.service.js';
export type { TokenEntryInfo, TokenInfo } from './manager/token-info.interface.js';
export type { AccessTokenRequestOptions, TokenEvent } from './manager/token-event.interface.js';
export { DEFAULT_TOKEN_ENTRY_ID, type TokenEntryLabel } from './manager/token-entry-label.js';
export type { TokenRequestParameters } from './options/token-request-parameters.interface.js';

// Options
export type { ClientAuthMethod, Clock, TokenModuleOptions, WarmUpMode } from './options/token-module-options.interface.js';
export {
  DEFAULT_EXPIRES_IN_SECONDS,
  DEFAULT_REFRESH_MARGIN_SECONDS,
  DEFAULT_REQUEST_TIMEOUT_MS,
  MAX_TOKEN_LIFETIME_SECONDS,
} from './options/token-options.defaults.js';
export type { CredentialFile, CredentialFunction, CredentialSource } from './credentials/credential-source.interface.js';

// Errors
export { TokenError } from './errors/token.error.js';
export { TokenConfigError, type TokenConfigProblem } from './errors/token-config.error.js';
export type { AuthorizationServerEndpoint, EndpointRequest } from './errors/endpoint-request.js';
export { TokenEndpointError, type TokenEndpointErrorDetails } from './errors/token-endpoint.error.js';
export { TokenResponseError } from './errors/token-response.error.js';
export { TokenTimeoutError } from './errors/token-timeout.error.js';
export { CredentialError } from './credentials/credential.error.js';

// Authorized HTTP
export { attachTokenInterceptor } from './http/token.interceptor.js';
export type { AccessTokenProvider } from './authorizer/access-token-provider.js';
/** @deprecated Renamed `AccessTokenProvider` (the same type). */
export type TokenSource = AccessTokenProvider;
export { getTokenHttpServiceToken, InjectTokenHttpService } from './http/token-http-service.token.js';
export { createAuthorizedFetch, type AuthorizedFetchOptions } from './fetch/authorized-fetch.js';
export { getAuthorizedFetchToken, InjectAuthorizedFetch } from './fetch/authorized-fetch.token.js';
export type { AuthorizedFetch, AuthorizedRequestInit } from './fetch/fetch-call.js';
export type { TokenInterceptorOptions } from './http/http-options.interface.js';
export type { RetryOn401, TokenHttpOptions } from './options/token-http-options.interface.js';

// Operability: behind subpath exports, since their peers are optional:
// 'nestjs-client-credentials/config' (tokenConfig), '/health' (TokenHealthIndicator),
// '/otel' (TokenMetricsService, TokenTracingModule), '/testing' (TokenTestingModule, createTokenManagerMock).

// Tracing hook: `TokenTracingModule` provides the OpenTelemetry one; another tracer can be provided under TOKEN_TRACER
export { TOKEN_TRACER } from './core/injection-tokens.js';
export type {
  TokenTracer,
  TracedExchange,
  TracedOperation,
  TracedOutcome,
  TracedRequest,
  TracedWait,
} from './core/token-tracer.interface.js';

// Resilience
export type { TokenRetryOptions } from './options/token-retry-options.interface.js';
export {
  DEFAULT_FAILURE_COOLDOWN_MS,
  DEFAULT_RETRY_INITIAL_DELAY_MS,
  DEFAULT_RETRY_MAX_ATTEMPTS,
  DEFAULT_RETRY_MAX_DELAY_MS,
  DEFAULT_RETRY_MAX_RETRY_AFTER_SECONDS,
  DEFAULT_RETRY_TOTAL_DEADLINE_MS,
} from './options/token-options.defaults.js';

// Fleet: one token per lifetime across instances; RedisTokenStore is in `nestjs-client-credentials/redis`
export type { StoredToken, TokenStore } from './core/token-store.interface.js';
export { MemoryTokenStore } from './store/memory-token.store.js';
export { TokenStoreError } from './errors/token-store.error.js';

// Named clients, gateways, session exchange and client authentication
export { getTokenManagerToken, InjectTokenManager } from './manager/token-manager.token.js';
export { SessionTokenExpiredError } from './errors/session-token-expired.error.js';
export type {
  ClientAssertionAlgorithm,
  PrivateKeyJwtOptions,
  SessionExchangeOptions,
  TlsClientAuthOptions,
} from './options/token-module-options.interface.js';

// Sender-constrained tokens: DPoP
export { DpopService, type DpopRequestHeaders } from './dpop/dpop.service.js';
export { getDpopServiceToken, InjectDpopService } from './dpop/dpop-service.token.js';
export { attachDpopInterceptor, type DpopInterceptorOptions, type DpopTokenSource } from './http/dpop.interceptor.js';
export type { DpopAlgorithm, DpopGeneratedKeyOptions, DpopJwk, DpopKeyOptions, DpopOption } from './options/dpop-options.interface.js';
export { DEFAULT_SHARED_DPOP_KEY_TTL_MS } from './dpop/shared-dpop-key.js';
export type { DpopStatus } from './dpop/dpop-status.interface.js';

// Token clients created at runtime (multi-tenant):
export { TokenClients } from './clients/token-clients.js';
export { TokenClientsModule } from './clients/token-clients.module.js';
export type { TokenClientOptionsFactory, TokenClientsOptions } from './clients/token-clients-options.interface.js';
