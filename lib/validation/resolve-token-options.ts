import { discoverEndpoints } from '../discovery/discover-endpoints.js';
import { loadJose } from '../endpoint/client-authentication.js';
import type { EndpointTracing } from '../endpoint/traced-exchange.js';
import type { ResolvedTokenOptions } from '../options/resolved-token-options.js';
import { validateTokenOptions } from './validate-token-options.js';

/**
 * The startup path of the options, for `forRoot` and `forRootAsync` alike: validate, discover the
 * endpoints when `issuer` is set, and load the optional `jose` peer when `private_key_jwt` needs it,
 * so each of those fails at startup rather than at the first token request.
 * @internal
 */
export async function resolveTokenOptions(raw: unknown, tracing?: EndpointTracing): Promise<ResolvedTokenOptions> {
  const options = validateTokenOptions(raw);
  if (options.clientAuthMethod === 'private_key_jwt' || options.clientAuthMethod === 'client_secret_jwt')
    await loadJose(options.clientAuthMethod);
  return discoverEndpoints(options, tracing);
}
