import { Inject } from '@nestjs/common';
import { DpopService } from './dpop.service.js';

/** Prefix of the DI tokens of named clients' DpopServices; namespaced so it cannot collide with an app's own string tokens. */
const NAMED_DPOP_SERVICE_PREFIX = 'nestjs-client-credentials:DpopService:';

/**
 * The DI token of the `DpopService` of `TokenModule.forRoot({ name })`; without a name, the
 * `DpopService` class (the unnamed client's).
 */
export function getDpopServiceToken(name?: string): string | typeof DpopService {
  return name === undefined ? DpopService : `${NAMED_DPOP_SERVICE_PREFIX}${name}`;
}

/**
 * Injects the `DpopService` of a named client (or, without a name, the unnamed one).
 *
 * ```ts
 * constructor(@InjectDpopService('billing') private readonly billingDpop: DpopService) {}
 * ```
 */
export function InjectDpopService(name?: string): PropertyDecorator & ParameterDecorator {
  return Inject(getDpopServiceToken(name));
}
