import {
  type AuthorizationServerEndpoint,
  describeEndpointRequest,
  endpointRequestFields,
  type EndpointRequest,
} from './endpoint-request.js';
import { TokenError } from './token.error.js';

/**
 * A request to the authorization server did not complete within `requestTimeoutMs`:
 * `Token endpoint POST https://idp.example.com/oauth2/token timed out after 10000 ms`.
 */
export class TokenTimeoutError extends TokenError implements EndpointRequest {
  /** The deadline that was exceeded, in milliseconds. */
  readonly timeoutMs: number;
  readonly endpoint?: AuthorizationServerEndpoint;
  readonly method?: string;
  readonly url?: string;

  constructor(timeoutMs: number, request?: EndpointRequest) {
    super(
      request === undefined
        ? `Token request timed out after ${timeoutMs} ms`
        : `${describeEndpointRequest(request)} timed out after ${timeoutMs} ms`,
    );
    this.timeoutMs = timeoutMs;
    if (request !== undefined) Object.assign(this, endpointRequestFields(request));
  }
}
