import type { FactoryProvider } from '@nestjs/common';
import { DpopService } from '../dpop/dpop.service.js';
import { TokenConfigError } from '../errors/token-config.error.js';
import { createAuthorizedFetch } from '../fetch/authorized-fetch.js';
import { getAuthorizedFetchToken } from '../fetch/authorized-fetch.token.js';
import type { AuthorizedFetch } from '../fetch/fetch-call.js';
import { TokenManagerService } from '../manager/token-manager.service.js';
import type { ResolvedTokenOptions } from '../options/resolved-token-options.js';
import { RESOLVED_TOKEN_OPTIONS } from '../core/injection-tokens.js';
import { tokensByOrigin } from './tokens-by-origin.js';

/**
 * The authorized `fetch` that `TokenModule` provides: `createAuthorizedFetch` with the `http` option's
 * base URL, allowlist and `resources` (a token per API origin, as the `HttpService` sends), the module's
 * `DpopService`, and `retryOn401` when it is a boolean (a predicate reads an axios error, which fetch has
 * not: then every 401 is resent once). The other axios settings of `http` do not apply to fetch. Without the `http` option it rejects every call with
 * `TokenConfigError` (field `http`) before any I/O, as the `HttpService` does.
 * @internal
 */
export const AUTHORIZED_FETCH_PROVIDER: FactoryProvider<AuthorizedFetch> = {
  provide: getAuthorizedFetchToken(),
  useFactory: (options: ResolvedTokenOptions, manager: TokenManagerService, dpop: DpopService): AuthorizedFetch => {
    const http = options.http;
    if (http === undefined) {
      return () =>
        Promise.reject(
          new TokenConfigError([
            { field: 'http', message: "is required to send requests through TokenModule's fetch: set http.baseURL or http.allowedOrigins" },
          ]),
        );
    }
    return createAuthorizedFetch(manager, {
      ...(http.baseURL !== undefined ? { baseURL: http.baseURL } : {}),
      allowedOrigins: http.allowedOrigins,
      retryOn401: options.retryOn401 !== false,
      dpop,
      tokensByOrigin: tokensByOrigin(http, manager),
    });
  },
  inject: [RESOLVED_TOKEN_OPTIONS, TokenManagerService, DpopService],
};
