/**
 * Base class of every error this package throws. Catch `TokenError` to handle them all.
 *
 * Messages never contain the client secret, a Basic header or a token value.
 */
export class TokenError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}
