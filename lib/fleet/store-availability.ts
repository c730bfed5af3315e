import type { Logger } from '@nestjs/common';
import { errorSummary } from '../internal/describe-error.js';
import { RateLimitedLog } from '../internal/rate-limited-log.js';

/**
 * Whether the fleet's store answers, as the instance's log tells it: one warning when it stops (then at
 * most one per 30 s), one line when it answers again, and `onChange` on each transition (the manager turns
 * it into `store_unavailable` / `store_available` events). While it is down the instance fetches its own tokens.
 * @internal
 */
export class StoreAvailability {
  readonly #logger: Logger;
  readonly #outageLog: RateLimitedLog;
  readonly #onChange: ((available: boolean) => void) | undefined;
  #available = true;

  constructor(logger: Logger, onChange?: (available: boolean) => void) {
    this.#logger = logger;
    this.#outageLog = new RateLimitedLog(logger);
    this.#onChange = onChange;
  }

  failed(error: unknown): void {
    if (this.#available) this.#onChange?.(false);
    this.#available = false;
    this.#outageLog.warn(
      `Token store unavailable (${errorSummary(error)}); this instance fetches its own tokens until the store answers again`,
    );
  }

  answered(): void {
    if (this.#available) return;
    this.#available = true;
    this.#outageLog.reset();
    this.#logger.log('Token store answers again; sharing tokens with the fleet');
    this.#onChange?.(true);
  }
}
