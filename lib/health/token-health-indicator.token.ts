import type { FactoryProvider } from '@nestjs/common';
import { HealthIndicatorService } from '@nestjs/terminus';
import { getDpopServiceToken } from '../dpop/dpop-service.token.js';
import type { DpopService } from '../dpop/dpop.service.js';
import type { TokenManagerService } from '../manager/token-manager.service.js';
import { getTokenManagerToken } from '../manager/token-manager.token.js';
import { clientInjection } from '../internal/client-injection.js';
import { TokenHealthIndicator } from './token.health.js';

const healthIndicatorInjection = clientInjection(TokenHealthIndicator, 'TokenHealthIndicator');

/**
 * The DI token of the health indicator of the client registered with `TokenModule.forRoot({ name })`;
 * without a name, the `TokenHealthIndicator` class.
 */
export function getTokenHealthIndicatorToken(name?: string): string | typeof TokenHealthIndicator {
  return healthIndicatorInjection.token(name);
}

/**
 * A provider of the health indicator of a named client, watching that client's token manager (and
 * reporting its DPoP key, as the unnamed indicator does). Its
 * default key is `oauth2:<name>`, so every client has its own entry in the health output.
 *
 * ```ts
 * providers: [provideTokenHealthIndicator('billing'), provideTokenHealthIndicator('shipping')]
 * ```
 */
export function provideTokenHealthIndicator(name: string): FactoryProvider<TokenHealthIndicator> {
  return {
    provide: getTokenHealthIndicatorToken(name),
    useFactory: (health: HealthIndicatorService, tokens: TokenManagerService, dpop?: DpopService) =>
      new TokenHealthIndicator(health, tokens, dpop),
    // Optional, as for the unnamed indicator.
    inject: [HealthIndicatorService, getTokenManagerToken(name), { token: getDpopServiceToken(name), optional: true }],
  };
}

/** Injects the health indicator of a named client (see `provideTokenHealthIndicator`). */
export function InjectTokenHealthIndicator(name?: string): PropertyDecorator & ParameterDecorator {
  return healthIndicatorInjection.inject(name);
}
