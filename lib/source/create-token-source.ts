import type { TokenEndpointClient } from '../endpoint/token-endpoint.client.js';
import type { ResolvedTokenOptions } from '../options/resolved-token-options.js';
import { GatewayTokenSource } from './gateway-token.source.js';
import { SessionExchangeSource } from './session-exchange.source.js';
import type { TokenSource } from './token-source.interface.js';

/** The token source the options call for. @internal */
export function createTokenSource(options: ResolvedTokenOptions, endpoint: TokenEndpointClient, loggerContext: string): TokenSource {
  const clientCredentials = new GatewayTokenSource(options, endpoint, loggerContext);
  return options.sessionExchangeUrl !== undefined ? new SessionExchangeSource(options, endpoint, clientCredentials) : clientCredentials;
}
