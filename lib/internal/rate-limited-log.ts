import type { Logger } from '@nestjs/common';

/** At most one warning this often. */
const INTERVAL_MS = 30_000;

/**
 * Writes a warning at most once per 30 s and counts what it held back, so a store that is down
 * (ioredis reports every reconnect attempt) cannot flood the log.
 * @internal
 */
export class RateLimitedLog {
  #lastAtMs = -Infinity;
  #suppressed = 0;

  constructor(private readonly logger: Logger) {}

  warn(message: string): void {
    const now = Date.now();
    if (now - this.#lastAtMs < INTERVAL_MS) {
      this.#suppressed += 1;
      return;
    }
    const suffix = this.#suppressed > 0 ? ` (${this.#suppressed} similar message${this.#suppressed === 1 ? '' : 's'} suppressed)` : '';
    this.#lastAtMs = now;
    this.#suppressed = 0;
    this.logger.warn(`${message}${suffix}`);
  }

  /** Lets the next warning through at once (after a recovery, a new outage is news). */
  reset(): void {
    this.#lastAtMs = -Infinity;
    this.#suppressed = 0;
  }
}
