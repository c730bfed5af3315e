/**
 * C0 and C1 controls, DEL, the Unicode line and paragraph separators and the bidirectional overrides:
 * characters that end a log line, drive a terminal (ANSI escape sequences start with ESC) or reorder
 * what a reader sees.
 */
// eslint-disable-next-line no-control-regex -- matching control characters is this pattern's whole purpose
const CONTROL_CHARACTERS = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;
const SHORT_ESCAPES: Readonly<Record<string, string>> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };

/**
 * `text` with every control character written as an escape (`\n`, `\u001b`), so text a server sent
 * cannot forge log lines or colour a terminal when it is logged or quoted in an error message.
 * @internal
 */
export function escapeControlCharacters(text: string): string {
  return text.replace(
    CONTROL_CHARACTERS,
    (character) => SHORT_ESCAPES[character] ?? `\\u${character.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}
