import { redactSecrets } from '../internal/redact-secrets.js';

/**
 * Defence in depth: scrubs credentials (and the token or code a request carried) from any text an
 * error carries, its stack included. Returns the same error.
 * @internal
 */
export function redactError<E extends Error>(error: E, secrets: readonly string[]): E {
  const scrub = (text: string) => redactSecrets(text, secrets);
  for (const key of ['message', 'errorDescription', 'error', 'errorUri'] as const) {
    const value = (error as Record<string, unknown>)[key];
    if (typeof value === 'string')
      Object.defineProperty(error, key, { value: scrub(value), enumerable: key !== 'message', configurable: true, writable: true });
  }
  if (error.stack) error.stack = scrub(error.stack);
  return error;
}
