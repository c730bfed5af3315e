import { Inject } from '@nestjs/common';
import { TokenManagerService } from './token-manager.service.js';

/** Prefix of the DI tokens of named token managers; namespaced so it cannot collide with an app's own string tokens. */
const NAMED_MANAGER_PREFIX = 'nestjs-client-credentials:TokenManager:';

/**
 * The DI token of the token manager registered with `TokenModule.forRoot({ name })`; without a name,
 * the `TokenManagerService` class (the unnamed client).
 *
 * ```ts
 * moduleRef.get(getTokenManagerToken('billing'))
 * ```
 */
export function getTokenManagerToken(name?: string): string | typeof TokenManagerService {
  return name === undefined ? TokenManagerService : `${NAMED_MANAGER_PREFIX}${name}`;
}

/**
 * Injects the token manager of a named client (or, without a name, the unnamed one).
 *
 * ```ts
 * constructor(@InjectTokenManager('billing') private readonly billingTokens: TokenManagerService) {}
 * ```
 */
export function InjectTokenManager(name?: string): PropertyDecorator & ParameterDecorator {
  return Inject(getTokenManagerToken(name));
}
