import { escapeControlCharacters } from './escape-control-characters.js';

/**
 * `Name: message` of an error for a log line, or the thrown value as a string when it is not an Error;
 * control characters escaped, since the message may quote a server (an IdP, Redis).
 * @internal
 */
export function errorSummary(error: unknown): string {
  return escapeControlCharacters(error instanceof Error ? `${error.name}: ${error.message}` : String(error));
}
