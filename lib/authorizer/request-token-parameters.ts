import { TokenConfigError } from '../errors/token-config.error.js';
import type { TokenRequestParameters } from '../options/token-request-parameters.interface.js';
import type { AccessTokenProvider } from './access-token-provider.js';

/** Where the problems of a request's own token parameters are reported. */
const SUBJECT = 'request';
const FIELD = 'tokenParameters';

/**
 * The provider of the token a request asked for with its own `tokenParameters` (an axios config field, a
 * fetch init field): `tokens.tokensFor` of exactly the four token parameters, so nothing else a caller put
 * there (`forceRenewal`, `signal`) changes how the token is obtained. Values are checked by the manager
 * when the token is asked for, as `getAccessToken(parameters)` checks them.
 * @throws TokenConfigError (field `tokenParameters`) when they are not an object, or `tokens` cannot take them.
 * @internal
 */
export function tokensForRequest(tokens: AccessTokenProvider, parameters: unknown): AccessTokenProvider {
  if (parameters === null || typeof parameters !== 'object' || Array.isArray(parameters)) {
    throw new TokenConfigError(
      [{ field: FIELD, message: 'must be an object of token parameters ({ scope, audience, resource, extraParams })' }],
      SUBJECT,
    );
  }
  if (typeof tokens.tokensFor !== 'function') {
    throw new TokenConfigError(
      [{ field: FIELD, message: 'needs a token provider with tokensFor(parameters), such as TokenManagerService; this one has none' }],
      SUBJECT,
    );
  }
  const { scope, audience, resource, extraParams } = parameters as TokenRequestParameters;
  return tokens.tokensFor({ scope, audience, resource, extraParams });
}
