import type { ResolvedTokenRetryOptions } from '../options/token-retry-options.interface.js';
import type { Clock } from '../options/token-module-options.interface.js';
import { retryDelayMs } from './retry-delay.js';
import { isTransientTokenError } from './transient-token-error.js';
import { abortableSleep } from '../internal/abortable-sleep.js';

/** One retry about to be waited for. @internal */
export interface ScheduledRetry {
  /** 1 for the first retry. */
  readonly retry: number;
  readonly delayMs: number;
  readonly error: unknown;
}

/** What a retried operation runs under. @internal */
export interface RetryContext {
  readonly options: ResolvedTokenRetryOptions;
  /** Reads the total deadline; the injected clock of the module. */
  readonly clock: Clock;
  /** Stops the attempts and the waits between them (module shutdown). */
  readonly signal: AbortSignal;
  readonly onRetry?: (retry: ScheduledRetry) => void;
}

/**
 * Runs `attempt` until it succeeds, fails with a non-transient error, runs out of attempts, or the next
 * retry could not start before `totalDeadlineMs`; then rethrows the last error unchanged.
 *
 * A hand-written loop rather than cockatiel's `RetryPolicy`, for two reasons: cockatiel is not a runtime
 * dependency of this package (it would be its first), and cockatiel 3 waits between retries on a timer
 * that neither its AbortSignal nor anything else can clear, so module shutdown would leave timers
 * behind and keep callers waiting up to `maxDelayMs`. It also has no total deadline and no `Retry-After`
 * floor. Here every wait is an unref'd timer cleared on abort, and the delays come from `retryDelayMs`.
 * @internal
 */
export async function retryTransientFailures<T>(attempt: (signal: AbortSignal) => Promise<T>, context: RetryContext): Promise<T> {
  const { options, clock, signal } = context;
  const deadlineAtMs = clock() + options.totalDeadlineMs;
  for (let attemptNumber = 1; ; attemptNumber++) {
    try {
      return await attempt(signal);
    } catch (error) {
      if (signal.aborted || attemptNumber >= options.maxAttempts || !isTransientTokenError(error)) throw error;
      const delayMs = retryDelayMs(attemptNumber, error, options);
      if (clock() + delayMs > deadlineAtMs) throw error;
      context.onRetry?.({ retry: attemptNumber, delayMs, error });
      await abortableSleep(delayMs, signal);
    }
  }
}
