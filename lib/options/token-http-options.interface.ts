import type { HttpModuleOptions } from '@nestjs/axios';
import type { AxiosError } from 'axios';
import type { TokenRequestParameters } from './token-request-parameters.interface.js';

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
  allowedOrigins?: string[] | undefined;
  /**
   * Token parameters by API origin (RFC 8707 audience per API): requests to an origin listed here carry a
   * token minted for its parameters (`resource`, `scope`, `audience`, `extraParams`), and a 401 there renews
   * only that token. Each origin listed is allowed to receive its token.
   *
   * `{ 'https://orders.example.com': { resource: 'https://orders.example.com' }, 'https://billing.example.com': { audience: 'billing' } }`
   */
  resources?: Record<string, TokenRequestParameters> | undefined;
  /**
   * Certificate-bound access tokens (RFC 8705 §3), default `false`. With `clientAuthMethod:
   * 'tls_client_auth'`, requests to the allowed origins present the `tlsClientAuth` certificate (the
   * one the token is bound to, read from the same providers, so a rollover reaches API calls too);
   * other origins never get it. The server certificate of the allowed origins is verified against
   * `tlsClientAuth.ca` when set, the system CAs otherwise. Node's http adapter only (axios's default);
   * `httpsAgent`, another `adapter` and `allowedOrigins: ['*']` are refused with it.
   */
  presentClientCertificate?: boolean | undefined;
};

/**
 * Whether a 401 to a request that carried the token should renew the token and resend the request
 * once. `true` (default) for every such 401, `false` never, or a predicate on the axios error, for
 * example one that reads RFC 6750's `WWW-Authenticate: Bearer error="invalid_token"`.
 */
export type RetryOn401 = boolean | ((error: AxiosError) => boolean);
