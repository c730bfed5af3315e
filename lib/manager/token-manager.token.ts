import { clientInjection } from '../internal/client-injection.js';
import { TokenManagerService } from './token-manager.service.js';

const TOKEN_MANAGER_INJECTION = clientInjection(TokenManagerService, 'TokenManager');

/**
 * The DI token of the token manager registered with `TokenModule.forRoot({ name })`; without a name,
 * the `TokenManagerService` class (the unnamed client).
 *
 * ```ts
 * moduleRef.get(getTokenManagerToken('billing'))
 * ```
 */
export function getTokenManagerToken(name?: string): string | typeof TokenManagerService {
  return TOKEN_MANAGER_INJECTION.token(name);
}

/**
 * Injects the token manager of a named client (or, without a name, the unnamed one).
 *
 * ```ts
 * constructor(@InjectTokenManager('billing') private readonly billingTokens: TokenManagerService) {}
 * ```
 */
export function InjectTokenManager(name?: string): PropertyDecorator & ParameterDecorator {
  return TOKEN_MANAGER_INJECTION.inject(name);
}
