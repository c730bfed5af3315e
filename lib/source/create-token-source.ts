import type { TokenEndpointClient } from '../endpoint/token-endpoint.client.js';
import type { ResolvedTokenOptions } from '../options/resolved-token-options.js';
import { EndpointTokenSource } from './endpoint-token.source.js';
import { SessionExchangeSource } from './session-exchange.source.js';
import type { TokenSource } from './token-source.interface.js';

/** The token source the options call for (fleet sharing is added around it by the module wiring). @internal */
export function createTokenSource(options: ResolvedTokenOptions, endpoint: TokenEndpointClient, logContext: string): TokenSource {
  const clientCredentials = new EndpointTokenSource(options, endpoint, logContext);
  return options.sessionExchangeUrl !== undefined ? new SessionExchangeSource(options, endpoint, clientCredentials) : clientCredentials;
}
