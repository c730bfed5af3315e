import { stripUndefined } from '../internal/strip-undefined.js';
import { TokenError } from './token.error.js';

/** What the token endpoint said, when it answered with an RFC 6749 §5.2 error. */
export interface TokenEndpointErrorDetails {
  /** Which endpoint failed, when it was not the token endpoint. */
  readonly endpoint?: 'revocation' | 'introspection' | 'session exchange' | 'discovery';
  /** HTTP status of the answer; undefined when no answer arrived (connection refused, reset, ...). */
  readonly status?: number;
  /** RFC 6749 §5.2 `error` code, such as `invalid_client`. */
  readonly error?: string;
  /** RFC 6749 §5.2 `error_description`. */
  readonly errorDescription?: string;
  /** RFC 6749 §5.2 `error_uri`. */
  readonly errorUri?: string;
  /** Network error code (`ECONNREFUSED`, `ECONNRESET`, ...) when no answer arrived. */
  readonly code?: string;
  /** Seconds the server asked us to wait (`Retry-After`), when it sent one. */
  readonly retryAfterSeconds?: number;
}

/**
 * The token endpoint refused the request (non-2xx status) or could not be reached.
 */
export class TokenEndpointError extends TokenError implements TokenEndpointErrorDetails {
  readonly endpoint?: 'revocation' | 'introspection' | 'session exchange' | 'discovery';
  readonly status?: number;
  readonly error?: string;
  readonly errorDescription?: string;
  readonly errorUri?: string;
  readonly code?: string;
  readonly retryAfterSeconds?: number;

  constructor(details: TokenEndpointErrorDetails, options?: { cause?: unknown }) {
    super(describe(details), options);
    Object.assign(this, stripUndefined(details));
  }
}

function describe(details: TokenEndpointErrorDetails): string {
  const label = details.endpoint ? `${details.endpoint[0]!.toUpperCase()}${details.endpoint.slice(1)} endpoint` : 'Token endpoint';
  if (details.status === undefined) {
    return `${label} unreachable${details.code ? ` (${details.code})` : ''}`;
  }
  let message = `${label} answered HTTP ${details.status}`;
  if (details.error) message += `: ${details.error}`;
  if (details.errorDescription) message += ` (${details.errorDescription})`;
  return message;
}
