/**
 * An instant (ms since the epoch) as an ISO 8601 string for a log line; `toISOString()` itself throws
 * a RangeError beyond ±8.64e15 ms, and a log line must never fail the operation it reports.
 * @internal
 */
export function isoInstant(ms: number): string {
  const date = new Date(ms);
  return Number.isNaN(date.getTime()) ? `(instant ${ms} ms out of range)` : date.toISOString();
}
