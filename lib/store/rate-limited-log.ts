import type { Logger } from '@nestjs/common';

/**
 * Writes a warning at most once per interval and counts what it held back, so a store that is down
 * (ioredis reports every reconnect attempt) cannot flood the log.
 * @internal
 */
export class RateLimitedLog {
  #lastAtMs = -Infinity;
  #suppressed = 0;

  constructor(
    private readonly logger: Logger,
    private readonly intervalMs = 30_000,
  ) {}

  warn(message: string): void {
    const now = Date.now();
    if (now - this.#lastAtMs < this.intervalMs) {
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
