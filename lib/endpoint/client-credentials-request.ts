import type { TokenParameterSet } from '../options/token-request-parameters.interface.js';
import { parseJsonObject, type TokenEndpointAnswer } from './token-response.parser.js';

/** RFC 6749 §4.4.2: the form body of the token request, without client credentials. @internal */
export function clientCredentialsBody({ scope, audience, resources, extraParams }: TokenParameterSet): URLSearchParams {
  const body = new URLSearchParams({ grant_type: 'client_credentials' });
  if (scope) body.set('scope', scope);
  if (audience) body.set('audience', audience);
  for (const resource of resources) body.append('resource', resource);
  for (const [name, value] of Object.entries(extraParams)) body.set(name, value);
  return body;
}

/** RFC 6749 §5.2: the server did not accept the client's credentials. @internal */
export function isClientRejected(answer: TokenEndpointAnswer): boolean {
  return answer.status === 401 || (answer.status === 400 && parseJsonObject(answer.body)?.error === 'invalid_client');
}
