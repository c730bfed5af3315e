import { TokenError } from './token.error.js';

/** The token request did not complete within `requestTimeoutMs`. */
export class TokenTimeoutError extends TokenError {
  /** The deadline that was exceeded, in milliseconds. */
  readonly timeoutMs: number;

  constructor(timeoutMs: number) {
    super(`Token request timed out after ${timeoutMs} ms`);
    this.timeoutMs = timeoutMs;
  }
}
