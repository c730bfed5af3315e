import { HttpService } from '@nestjs/axios';
import { Module } from '@nestjs/common';
import { TokenEndpointClient } from './endpoint/token-endpoint.client.js';
import { AuthorizedHttpClient } from './http/authorized-http.client.js';
import { TokenManagerService } from './manager/token-manager.service.js';
import type { ResolvedTokenOptions } from './options/resolved-token-options.js';
import { validateTokenOptions } from './options/validate-token-options.js';
import { ConfigurableTokenModule, TOKEN_MODULE_OPTIONS } from './token.module-definition.js';
import { RESOLVED_TOKEN_OPTIONS, TOKEN_ENDPOINT_CLIENT } from './token.internal-constants.js';

/**
 * Gives the application an OAuth2 client-credentials token manager.
 *
 * ```ts
 * TokenModule.forRoot({ tokenUrl, clientId, clientSecret, scope: 'api.read' })
 * TokenModule.forRootAsync({ imports: [ConfigModule], inject: [ConfigService], useFactory: (config) => ({ ... }) })
 * ```
 * Options are validated at startup on both paths (`TokenConfigError`).
 *
 * Exports `TokenManagerService` and an authorized `HttpService` (configured by the `http` option) whose
 * requests carry the Bearer token for allowed origins and are resent once on a 401.
 */
@Module({
  providers: [
    { provide: RESOLVED_TOKEN_OPTIONS, useFactory: (raw: unknown) => validateTokenOptions(raw), inject: [TOKEN_MODULE_OPTIONS] },
    { provide: TOKEN_ENDPOINT_CLIENT, useFactory: (options: ResolvedTokenOptions) => new TokenEndpointClient(options), inject: [RESOLVED_TOKEN_OPTIONS] },
    TokenManagerService,
    AuthorizedHttpClient,
    { provide: HttpService, useFactory: (client: AuthorizedHttpClient) => client.httpService, inject: [AuthorizedHttpClient] },
  ],
  exports: [TokenManagerService, HttpService],
})
export class TokenModule extends ConfigurableTokenModule {}
