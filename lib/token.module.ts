import { HttpService } from '@nestjs/axios';
import { Module } from '@nestjs/common';
import { DpopService } from './dpop/dpop.service.js';
import { TokenEndpointClient } from './endpoint/token-endpoint.client.js';
import { endpointTracing } from './endpoint/traced-exchange.js';
import { AuthorizedHttpClient } from './registration/authorized-http.client.js';
import { AUTHORIZED_FETCH_PROVIDER } from './registration/authorized-fetch.provider.js';
import { TOKEN_MANAGER_PROVIDERS } from './manager/token-manager.providers.js';
import type { ResolvedTokenOptions } from './options/resolved-token-options.js';
import { resolveTokenOptions } from './validation/resolve-token-options.js';
import { namingFailures } from './registration/name-startup-error.js';
import { TokenWarmUp } from './warm-up/token-warm-up.js';
import { ConfigurableTokenModule, TOKEN_MODULE_OPTIONS } from './token.module-definition.js';
import { RESOLVED_TOKEN_OPTIONS, TOKEN_CLIENT_NAME, TOKEN_ENDPOINT_CLIENT, TOKEN_TRACER } from './core/injection-tokens.js';
import type { TokenTracer } from './core/token-tracer.interface.js';

/**
 * Gives the application an OAuth2 client-credentials token manager.
 *
 * ```ts
 * TokenModule.forRoot({ tokenUrl, clientId, clientSecret, scope: 'api.read' })
 * TokenModule.forRootAsync({ imports: [ConfigModule], inject: [ConfigService], useFactory: (config) => ({ ... }) })
 * ```
 * Options are validated at startup on both paths (`TokenConfigError`). Register it several times with
 * `name` for several clients (`@InjectTokenManager(name)`); every startup error of a named
 * registration names it. `warmUp` requests the first token during startup.
 *
 * Also provides an authorized `HttpService` (configured by the `http` option) whose requests carry the
 * Bearer token for allowed origins and are resent once on a 401 (`@InjectTokenHttpService(name)` for a
 * named client), and an authorized `fetch` with the same allowlist (`@InjectAuthorizedFetch(name)`).
 */
@Module({
  providers: [
    // Startup steps that can fail name a named registration in their error (namingFailures).
    {
      provide: RESOLVED_TOKEN_OPTIONS,
      useFactory: (raw: unknown, clientName?: string, tracer?: TokenTracer) =>
        namingFailures(clientName, () => resolveTokenOptions(raw, endpointTracing(tracer, clientName))),
      inject: [TOKEN_MODULE_OPTIONS, { token: TOKEN_CLIENT_NAME, optional: true }, { token: TOKEN_TRACER, optional: true }],
    },
    {
      provide: DpopService,
      useFactory: (options: ResolvedTokenOptions, clientName?: string) =>
        namingFailures(clientName, () => DpopService.create(options, clientName)),
      inject: [RESOLVED_TOKEN_OPTIONS, { token: TOKEN_CLIENT_NAME, optional: true }],
    },
    {
      provide: TOKEN_ENDPOINT_CLIENT,
      useFactory: (options: ResolvedTokenOptions, dpop: DpopService, clientName?: string, tracer?: TokenTracer) =>
        new TokenEndpointClient(options, dpop.enabled ? dpop : undefined, endpointTracing(tracer, clientName)),
      inject: [RESOLVED_TOKEN_OPTIONS, DpopService, { token: TOKEN_CLIENT_NAME, optional: true }, { token: TOKEN_TRACER, optional: true }],
    },
    ...TOKEN_MANAGER_PROVIDERS,
    TokenWarmUp,
    AuthorizedHttpClient,
    { provide: HttpService, useFactory: (client: AuthorizedHttpClient) => client.httpService, inject: [AuthorizedHttpClient] },
    AUTHORIZED_FETCH_PROVIDER,
  ],
  // The manager, the HttpService and the fetch are exported under the client's tokens by registerClient (token.module-definition.ts).
})
export class TokenModule extends ConfigurableTokenModule {}
