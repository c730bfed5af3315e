import type { TokenEndpointClient } from '../endpoint/token-endpoint.client.js';
import type { ResolvedTokenOptions } from '../options/resolved-token-options.js';
import type { TokenParameterSet } from '../options/token-request-parameters.interface.js';
import { EndpointTokenSource } from './endpoint-token.source.js';
import { SessionExchangeSource } from './session-exchange.source.js';
import type { TokenSource } from './token-source.interface.js';

/**
 * The token source the options call for, requesting tokens for `parameters` (default: the registration's);
 * fleet sharing is added around it by the module wiring. @internal
 */
export function createTokenSource(
  options: ResolvedTokenOptions,
  endpoint: TokenEndpointClient,
  logContext: string,
  parameters: TokenParameterSet = options,
): TokenSource {
  const clientCredentials = new EndpointTokenSource(options, endpoint, logContext, parameters);
  return options.sessionExchangeUrl !== undefined ? new SessionExchangeSource(options, endpoint, clientCredentials) : clientCredentials;
}
