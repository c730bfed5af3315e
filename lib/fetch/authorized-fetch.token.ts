import { Inject } from '@nestjs/common';

/** The DI token of the unnamed client's authorized fetch; namespaced so it cannot collide with an app's own string tokens. */
const AUTHORIZED_FETCH = 'nestjs-client-credentials:AuthorizedFetch';

/**
 * The DI token of the authorized `fetch` of `TokenModule.forRoot({ name })`, or of the unnamed client.
 *
 * ```ts
 * moduleRef.get<AuthorizedFetch>(getAuthorizedFetchToken('billing'))
 * ```
 */
export function getAuthorizedFetchToken(name?: string): string {
  return name === undefined ? AUTHORIZED_FETCH : `${AUTHORIZED_FETCH}:${name}`;
}

/**
 * Injects the authorized `fetch` of a named client (or, without a name, the unnamed one): the
 * `createAuthorizedFetch` of the module's manager, `http.baseURL`, `http.allowedOrigins` and DPoP.
 *
 * ```ts
 * constructor(@InjectAuthorizedFetch('billing') private readonly billingFetch: AuthorizedFetch) {}
 * ```
 */
export function InjectAuthorizedFetch(name?: string): PropertyDecorator & ParameterDecorator {
  return Inject(getAuthorizedFetchToken(name));
}
