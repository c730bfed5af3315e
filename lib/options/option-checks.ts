/** Collects one problem of the options. @internal */
export type Report = (field: string, message: string) => void;

/** `value` when it is a finite number of at least `min`, `fallback` when unset; reports anything else. @internal */
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
