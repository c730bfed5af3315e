import { TokenEndpointError } from '../errors/token-endpoint.error.js';
import { TokenTimeoutError } from '../errors/token-timeout.error.js';

/**
 * Whether a failed token request may succeed if sent again: no answer (network error, reset), a
 * timeout, a 5xx, a 429 or a 408. A 400/401 (`invalid_client`, `invalid_scope`, ...) says the request
 * itself is wrong, and a malformed 2xx body says the server is misconfigured: sending them again only
 * loads the IdP, so they are never retried.
 * @internal
 */
export function isTransientTokenError(error: unknown): boolean {
  if (error instanceof TokenTimeoutError) return true;
  if (!(error instanceof TokenEndpointError)) return false;
  const { status } = error;
  return status === undefined || status >= 500 || status === 429 || status === 408;
}
