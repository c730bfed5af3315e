import axios, { type AxiosInstance } from 'axios';
import { TokenConfigError } from '../errors/token-config.error.js';
import type { AccessTokenProvider } from '../authorizer/access-token-provider.js';
import type { DpopService } from '../dpop/dpop.service.js';
import type { TokenInterceptorOptions } from './http-options.interface.js';
import { attachTokenInterceptor } from './token.interceptor.js';

/** Options of `attachDpopInterceptor`: those of `attachTokenInterceptor`, whose `dpop` it sets. */
export type DpopInterceptorOptions = Omit<TokenInterceptorOptions, 'dpop'>;

/**
 * The token source the DPoP interceptor needs: that of `attachTokenInterceptor`, plus the type of the
 * token it sends (DPoP, or Bearer after a downgrade): `tokenTypeOf(token)`, which answers for that very
 * token (also under `cache: false`), or else `getTokenInfo()`, which describes the cached one.
 */
export type DpopTokenSource = AccessTokenProvider &
  (Required<Pick<AccessTokenProvider, 'tokenTypeOf'>> | Required<Pick<AccessTokenProvider, 'getTokenInfo'>>);

/**
 * `attachTokenInterceptor(instance, tokens, { ...options, dpop })` for an axios instance of your own,
 * after checking that DPoP is on: `Authorization: DPoP <token>` and a fresh proof per request to the
 * allowed origins, nonce handling, the one-shot 401 retry and the redirect guard, all as documented
 * there. `TokenModule`'s own `HttpService` already does this when the `dpop` option is on. Never
 * attach it to the process-global `axios`. Returns a function that detaches it.
 *
 * @throws TokenConfigError when DPoP is off, for the global `axios`, or when no allowlist can be built.
 */
export function attachDpopInterceptor(
  instance: AxiosInstance,
  tokens: DpopTokenSource,
  dpop: DpopService,
  options: DpopInterceptorOptions = {},
): () => void {
  if (!dpop.enabled)
    throw new TokenConfigError(
      [{ field: 'dpop', message: 'is not enabled for this TokenModule: attachDpopInterceptor needs the dpop option' }],
      'DPoP interceptor',
    );
  // The default export is shared by every library in the process: the token must not ride along.
  if (instance === axios)
    throw new TokenConfigError(
      [{ field: 'instance', message: 'must be your own axios.create() instance, not the process-global axios' }],
      'DPoP interceptor',
    );
  return attachTokenInterceptor(instance, tokens, { ...options, dpop });
}
