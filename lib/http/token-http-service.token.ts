import { HttpService } from '@nestjs/axios';
import { clientInjection } from '../internal/client-injection.js';

const TOKEN_HTTP_SERVICE_INJECTION = clientInjection(HttpService, 'HttpService');

/**
 * The DI token of the authorized `HttpService` of `TokenModule.forRoot({ name })`; without a name, the
 * `HttpService` class (the unnamed client's).
 *
 * ```ts
 * moduleRef.get(getTokenHttpServiceToken('billing'))
 * ```
 */
export function getTokenHttpServiceToken(name?: string): string | typeof HttpService {
  return TOKEN_HTTP_SERVICE_INJECTION.token(name);
}

/**
 * Injects the authorized `HttpService` of a named client (or, without a name, the unnamed one).
 *
 * ```ts
 * constructor(@InjectTokenHttpService('billing') private readonly billingApi: HttpService) {}
 * ```
 */
export function InjectTokenHttpService(name?: string): PropertyDecorator & ParameterDecorator {
  return TOKEN_HTTP_SERVICE_INJECTION.inject(name);
}
