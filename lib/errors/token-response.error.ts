import { type AuthorizationServerEndpoint, endpointRequestFields, type EndpointRequest, requestTarget } from './endpoint-request.js';
import { TokenError } from './token.error.js';

/**
 * An endpoint answered with a success status but the payload is not usable (not JSON, HTML, too
 * large, missing `access_token`, wrong `token_type`, bad `expires_in`, an `error` member in a 200...):
 * `Malformed token response from POST https://idp.example.com/oauth2/token (HTTP 200): body is not a JSON object`.
 * The message names the problem and never contains the body.
 */
export class TokenResponseError extends TokenError implements EndpointRequest {
  /** HTTP status of the answer. */
  readonly status: number;
  readonly endpoint?: AuthorizationServerEndpoint;
  readonly method?: string;
  readonly url?: string;

  constructor(status: number, problem: string, request?: EndpointRequest) {
    super(`Malformed ${request?.endpoint ?? 'token'} response${from(request)} (HTTP ${status}): ${problem}`);
    this.status = status;
    if (request !== undefined) Object.assign(this, endpointRequestFields(request));
  }
}

function from(request: EndpointRequest | undefined): string {
  const target = request === undefined ? undefined : requestTarget(request);
  return target === undefined ? '' : ` from ${target}`;
}
