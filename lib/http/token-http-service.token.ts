import { HttpService } from '@nestjs/axios';
import { Inject } from '@nestjs/common';

/** Prefix of the DI tokens of named clients' HttpServices; namespaced so it cannot collide with an app's own string tokens. */
const NAMED_HTTP_SERVICE_PREFIX = 'nestjs-client-credentials:HttpService:';

/**
 * The DI token of the authorized `HttpService` of `TokenModule.forRoot({ name })`; without a name, the
 * `HttpService` class (the unnamed client's).
 *
 * ```ts
 * moduleRef.get(getTokenHttpServiceToken('billing'))
 * ```
 */
export function getTokenHttpServiceToken(name?: string): string | typeof HttpService {
  return name === undefined ? HttpService : `${NAMED_HTTP_SERVICE_PREFIX}${name}`;
}

/**
 * Injects the authorized `HttpService` of a named client (or, without a name, the unnamed one).
 *
 * ```ts
 * constructor(@InjectTokenHttpService('billing') private readonly billingApi: HttpService) {}
 * ```
 */
export function InjectTokenHttpService(name?: string): PropertyDecorator & ParameterDecorator {
  return Inject(getTokenHttpServiceToken(name));
}
