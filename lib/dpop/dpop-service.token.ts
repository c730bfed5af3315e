import { clientInjection } from '../internal/client-injection.js';
import { DpopService } from './dpop.service.js';

const dpopServiceInjection = clientInjection(DpopService, 'DpopService');

/**
 * The DI token of the `DpopService` of `TokenModule.forRoot({ name })`; without a name, the
 * `DpopService` class (the unnamed client's).
 */
export function getDpopServiceToken(name?: string): string | typeof DpopService {
  return dpopServiceInjection.token(name);
}

/**
 * Injects the `DpopService` of a named client (or, without a name, the unnamed one).
 *
 * ```ts
 * constructor(@InjectDpopService('billing') private readonly billingDpop: DpopService) {}
 * ```
 */
export function InjectDpopService(name?: string): PropertyDecorator & ParameterDecorator {
  return dpopServiceInjection.inject(name);
}
