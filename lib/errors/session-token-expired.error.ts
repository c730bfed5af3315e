import { TokenError } from './token.error.js';

/**
 * Session-exchange mode: the session token has expired or was rejected, and the single-use code
 * cannot be exchanged again. Start a new session (a new module instance with a new code).
 */
export class SessionTokenExpiredError extends TokenError {
  constructor(reason: 'expired' | 'rejected' | 'code already used' = 'expired') {
    super(
      `Session token ${reason === 'code already used' ? 'unavailable: the session code was already used' : reason}; the session code is single-use and cannot be exchanged again`,
    );
  }
}
