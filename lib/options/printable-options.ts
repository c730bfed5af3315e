import { inspect } from 'node:util';
import { urlForDisplay } from '../internal/url-for-display.js';
import { type OptionDisplay, type OptionTable, TOKEN_OPTION_TABLE } from './token-option-table.js';

const REDACTED = '[redacted]';

/**
 * What an options object may show of itself, by its table: secrets `[redacted]`, URLs without their
 * query string, `extraParams` values redacted, unknown strings and objects redacted. Plain JSON values.
 * @internal
 */
export function printableOptions(options: object, table: OptionTable = TOKEN_OPTION_TABLE): Record<string, unknown> {
  const view: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(options)) {
    if (value !== undefined) view[name] = printable(value, Object.hasOwn(table, name) ? table[name] : undefined);
  }
  return view;
}

/**
 * A copy of the user's options that prints redacted under `util.inspect` and `JSON.stringify`, while
 * every value stays readable (`options.clientSecret` is still the secret, for the module). Nested
 * option objects (`privateKeyJwt`, `tlsClientAuth`, `dpop`, ...) are copied the same way.
 * @internal
 */
export function withRedactedPrinting<T>(options: T, table: OptionTable = TOKEN_OPTION_TABLE): T {
  if (!isPlainObject(options)) return options;
  const copy = Object.create(printingPrototype(table)) as Record<string, unknown>;
  for (const [name, value] of Object.entries(options)) {
    const display = Object.hasOwn(table, name) ? table[name] : undefined;
    // defineProperty: an own `__proto__` key stays a key instead of replacing the printing prototype.
    Object.defineProperty(copy, name, {
      value: typeof display === 'object' ? withRedactedPrinting(value, display) : value,
      enumerable: true,
      writable: true,
      configurable: true,
    });
  }
  return copy as T;
}

function printable(value: unknown, display: OptionDisplay | undefined): unknown {
  if (display === 'secret') return REDACTED;
  if (value === null || typeof value === 'number' || typeof value === 'boolean') return value;
  if (typeof value === 'function') return '[function]';
  if (display === 'value') return value;
  if (display === 'url')
    return Array.isArray(value) ? value.map((item) => printable(item, 'url')) : typeof value === 'string' ? urlForDisplay(value) : REDACTED;
  if (display === 'values-redacted')
    return isPlainObject(value) ? Object.fromEntries(Object.keys(value).map((key) => [key, REDACTED])) : REDACTED;
  if (display === 'object')
    return typeof (value as { toJSON?: unknown }).toJSON === 'function'
      ? (value as { toJSON(): unknown }).toJSON()
      : `[${className(value)}]`;
  if (typeof display === 'object' && isPlainObject(value)) return printableOptions(value, display);
  return REDACTED;
}

/** One prototype per table, carrying the printing methods, so the copy's own keys are the options alone. */
const prototypes = new Map<OptionTable, object>();
const printingPrototypes = new Set<unknown>();
function printingPrototype(table: OptionTable): object {
  let prototype = prototypes.get(table);
  if (prototype === undefined) {
    prototype = Object.create(Object.prototype, {
      toJSON: {
        value(this: object) {
          return printableOptions(this, table);
        },
      },
      [inspect.custom]: {
        value(this: object, _depth: number, inspectOptions: object) {
          return inspect(printableOptions(this, table), inspectOptions);
        },
      },
    }) as object;
    prototypes.set(table, prototype);
    printingPrototypes.add(prototype);
  }
  return prototype;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return false;
  const prototype = Object.getPrototypeOf(value) as unknown;
  return prototype === Object.prototype || prototype === null || printingPrototypes.has(prototype);
}

function className(value: unknown): string {
  return (value as { constructor?: { name?: string } }).constructor?.name || 'object';
}
