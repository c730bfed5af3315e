import { escapeControlCharacters } from './escape-control-characters.js';

/** Class and message of a thrown value, as log lines, events and health output show them. @internal */
export interface ErrorDescription {
  readonly errorClass: string;
  readonly errorMessage: string;
}

/**
 * Class and message of an error (`Error` and `String(value)` for a thrown non-error), control
 * characters escaped, since the message may quote a server (an IdP, Redis).
 * @internal
 */
export function describeError(error: unknown): ErrorDescription {
  const described =
    error instanceof Error ? { errorClass: error.name, errorMessage: error.message } : { errorClass: 'Error', errorMessage: String(error) };
  return { errorClass: escapeControlCharacters(described.errorClass), errorMessage: escapeControlCharacters(described.errorMessage) };
}

/**
 * `Name: message` of an error for a log line, or the thrown value as a string when it is not an Error;
 * escaped as by `describeError`.
 * @internal
 */
export function errorSummary(error: unknown): string {
  const { errorClass, errorMessage } = describeError(error);
  return error instanceof Error ? `${errorClass}: ${errorMessage}` : errorMessage;
}
