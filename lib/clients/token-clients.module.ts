import { type DynamicModule, Module } from '@nestjs/common';
import type { TokenClientsOptions } from './token-clients-options.interface.js';
import { TokenClients } from './token-clients.js';
import { TOKEN_CLIENTS_OPTIONS } from './token-clients.providers.js';
import { validateTokenClientsOptions } from './validate-token-clients-options.js';

/**
 * Token clients created at runtime (multi-tenant services): provides `TokenClients`, globally.
 *
 * ```ts
 * TokenClientsModule.forRoot({ maxClients: 50, idleTimeoutMs: 600_000 })
 * ```
 */
@Module({})
export class TokenClientsModule {
  static forRoot(options: TokenClientsOptions = {}): DynamicModule {
    return {
      module: TokenClientsModule,
      global: true,
      providers: [{ provide: TOKEN_CLIENTS_OPTIONS, useValue: validateTokenClientsOptions(options) }, TokenClients],
      exports: [TokenClients],
    };
  }
}
