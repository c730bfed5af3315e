import { escapeControlCharacters } from '../internal/escape-control-characters.js';
import { redactSecrets } from '../internal/redact-secrets.js';

/** Longest server-provided text quoted in an error, so a hostile server cannot flood logs. */
const MAX_SERVER_TEXT = 300;

/**
 * Text a server sent (an `error_description`, a `token_type`, a transport message), made safe to quote
 * in an error message or a log line, in this order: the secrets the request carried are scrubbed from
 * the whole text, so one quoted across the cut leaves no prefix behind; control characters are
 * escaped, so the text cannot forge log lines or drive a terminal; then it is cut to `max` characters.
 * @internal
 */
export function quoteServerText(text: string, secrets: readonly string[], max = MAX_SERVER_TEXT): string {
  const safe = escapeControlCharacters(redactSecrets(text, secrets));
  return safe.length > max ? `${safe.slice(0, max)}…` : safe;
}
