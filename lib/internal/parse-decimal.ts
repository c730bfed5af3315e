/** Digits with an optional sign and decimal point, surrounding whitespace allowed: how numbers arrive as text. */
const DECIMAL = /^\s*-?\d+(\.\d+)?\s*$/;

/**
 * The number a decimal string spells (`'5000'`, `' 2.5 '`), or undefined for anything else (`'0x10'`,
 * `'1e3'`, `''`): what `ConfigService.get` and environment variables hand over for numeric options.
 * @internal
 */
export function parseDecimal(text: string): number | undefined {
  return DECIMAL.test(text) ? Number(text) : undefined;
}
