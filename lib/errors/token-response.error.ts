import { TokenError } from './token.error.js';

/**
 * The token endpoint answered with a success status but the payload is not a usable token response
 * (not JSON, HTML, too large, missing `access_token`, wrong `token_type`, bad `expires_in`, an `error`
 * member in a 200...). The message names the problem and never contains the body.
 */
export class TokenResponseError extends TokenError {
  /** HTTP status of the answer. */
  readonly status: number;

  constructor(status: number, problem: string) {
    super(`Malformed token response (HTTP ${status}): ${problem}`);
    this.status = status;
  }
}
