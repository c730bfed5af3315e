import { stripUndefined } from '../internal/strip-undefined.js';
import {
  type AuthorizationServerEndpoint,
  describeEndpointRequest,
  endpointRequestFields,
  type EndpointRequest,
} from './endpoint-request.js';
import { TokenError } from './token.error.js';

/** What the endpoint said, when it answered with an RFC 6749 §5.2 error, and which request it answered. */
export interface TokenEndpointErrorDetails extends EndpointRequest {
  /** HTTP status of the answer; undefined when no answer arrived (connection refused, reset, ...). */
  readonly status?: number | undefined;
  /** RFC 6749 §5.2 `error` code, such as `invalid_client`. */
  readonly error?: string | undefined;
  /** RFC 6749 §5.2 `error_description`. */
  readonly errorDescription?: string | undefined;
  /** RFC 6749 §5.2 `error_uri`. */
  readonly errorUri?: string | undefined;
  /** Network error code (`ECONNREFUSED`, `ECONNRESET`, ...) when no answer arrived. */
  readonly code?: string | undefined;
  /** Seconds the server asked us to wait (`Retry-After`), when it sent one. */
  readonly retryAfterSeconds?: number | undefined;
}

/**
 * An endpoint of the authorization server refused the request (non-2xx status) or could not be
 * reached. The message names the endpoint, the method and the URL (origin and path):
 * `Token endpoint POST https://idp.example.com/oauth2/token answered HTTP 401: invalid_client (…)`.
 */
export class TokenEndpointError extends TokenError implements TokenEndpointErrorDetails {
  readonly endpoint?: AuthorizationServerEndpoint;
  readonly method?: string;
  readonly url?: string;
  readonly status?: number;
  readonly error?: string;
  readonly errorDescription?: string;
  readonly errorUri?: string;
  readonly code?: string;
  readonly retryAfterSeconds?: number;

  constructor(details: TokenEndpointErrorDetails, options?: { cause?: unknown }) {
    super(describe(details), options);
    Object.assign(this, stripUndefined({ ...details, ...endpointRequestFields(details) }));
  }
}

function describe(details: TokenEndpointErrorDetails): string {
  const endpoint = describeEndpointRequest(details);
  if (details.status === undefined) {
    return `${endpoint} unreachable${details.code ? ` (${details.code})` : ''}`;
  }
  let message = `${endpoint} answered HTTP ${details.status}`;
  if (details.error) message += `: ${details.error}`;
  if (details.errorDescription) message += ` (${details.errorDescription})`;
  return message;
}
