import { closestName } from '../internal/closest-name.js';
import { parseDecimal } from '../internal/parse-decimal.js';
import type { TokenModuleOptions } from './token-module-options.interface.js';
import { TOKEN_OPTION_DEFAULTS } from './token-options.defaults.js';

/** Field checks shared by the option validators. Problems name the field, never a secret value. */

/** Collects one problem of the options. @internal */
export type Report = (field: string, message: string) => void;

/** A required string without surrounding whitespace. @internal */
export function requireNonEmptyString(value: unknown, field: string, report: Report): string | undefined {
  if (value === undefined || value === null || value === '') {
    report(field, 'is required');
    return undefined;
  }
  if (typeof value !== 'string') {
    report(field, `must be a string, got ${typeof value}`);
    return undefined;
  }
  if (value.trim() !== value) report(field, 'has leading or trailing whitespace');
  return value;
}

/** An optional absolute http(s) URL. */
export function optionalHttpUrl(value: unknown, field: string, report: Report): string | undefined {
  return value === undefined || value === null ? undefined : requireHttpUrl(value, field, report);
}

/** An optional non-blank string. @internal */
export function optionalNonEmptyString(value: unknown, field: string, report: Report): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string' || value.trim() === '') {
    report(field, 'must be a non-empty string when set');
    return undefined;
  }
  return value;
}

/** Parses an absolute http(s) URL; reports without echoing it, since URLs can carry credentials. @internal */
export function requireHttpUrl(value: unknown, field: string, report: Report): string | undefined {
  const text = requireNonEmptyString(value, field, report);
  if (text === undefined) return undefined;
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    report(field, 'must be an absolute URL');
    return undefined;
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    report(field, `must use http or https, not ${url.protocol.replace(':', '')}`);
    return undefined;
  }
  if (url.username || url.password) report(field, 'must not embed credentials (user:password@)');
  if (url.hash) report(field, 'must not have a fragment');
  return url.toString();
}

/**
 * An optional finite number of at least `min`, or the fallback. A decimal string (`'5000'`, as
 * `ConfigService.get` returns environment values) counts as its number; any other string is refused
 * as such, without quoting it.
 * @internal
 */
export function numberInRange(value: unknown, fallback: number, field: string, min: number, report: Report): number {
  if (value === undefined || value === null) return fallback;
  const number = typeof value === 'string' ? parseDecimal(value) : value;
  if (typeof number !== 'number' || !Number.isFinite(number)) {
    const got = typeof value === 'string' ? 'a string that is not one' : typeof value === 'number' ? undefined : describeType(value);
    report(
      field,
      got === undefined
        ? 'must be a finite number'
        : `must be a finite number or a decimal string (digits, optionally a decimal point), got ${got}`,
    );
    return fallback;
  }
  if (number < min) {
    report(field, `must be at least ${min}`);
    return fallback;
  }
  return number;
}

/** The top-level options whose default is a number. */
type NumericOption = {
  [K in keyof typeof TOKEN_OPTION_DEFAULTS]: (typeof TOKEN_OPTION_DEFAULTS)[K] extends number ? K : never;
}[keyof typeof TOKEN_OPTION_DEFAULTS];

/** A top-level numeric option of at least `min`, or its default (`TOKEN_OPTION_DEFAULTS`); problems name the option. @internal */
export function numberOption(options: Partial<TokenModuleOptions>, name: NumericOption, min: number, report: Report): number {
  return numberInRange(options[name], TOKEN_OPTION_DEFAULTS[name], name, min, report);
}

/** An optional boolean, or the fallback. @internal */
export function optionalBoolean(value: unknown, fallback: boolean, field: string, report: Report): boolean {
  if (value === undefined || value === null) return fallback;
  if (typeof value === 'boolean') return value;
  report(field, `must be a boolean, got ${describeType(value)}`);
  return fallback;
}

/** One of `allowed`, or the fallback. The message lists the choices, never the value. @internal */
export function oneOf<T extends string>(value: unknown, allowed: readonly T[], fallback: T, field: string, report: Report): T {
  if (value === undefined || value === null) return fallback;
  if (allowed.includes(value as T)) return value as T;
  report(field, `must be one of ${allowed.join(', ')}`);
  return fallback;
}

/** Reports each key of `value` not in `known` (`prefix` + key), naming the known option it most likely misspells. @internal */
export function reportUnknownKeys(value: object, known: Iterable<string>, prefix: string, report: Report): void {
  const names = [...known];
  for (const key of Object.keys(value)) if (!names.includes(key)) report(`${prefix}${key}`, unknownNameMessage(key, names, 'option'));
}

/** `is not a known option`, plus "did you mean …?" when one known name is close. @internal */
export function unknownNameMessage(name: string, known: Iterable<string>, what: string): string {
  const suggestion = closestName(name, known);
  return `is not a known ${what}${suggestion === undefined ? '' : `; did you mean \`${suggestion}\`?`}`;
}

/** `a string`, `an object`, ...: the kind of a bad value, never the value. */
function describeType(value: unknown): string {
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}
