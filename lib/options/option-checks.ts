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

/** An optional finite number of at least `min`, or the fallback. @internal */
export function numberInRange(value: unknown, fallback: number, field: string, min: number, report: Report): number {
  if (value === undefined || value === null) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    report(field, 'must be a finite number');
    return fallback;
  }
  if (value < min) {
    report(field, `must be at least ${min}`);
    return fallback;
  }
  return value;
}
