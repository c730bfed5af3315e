/** Longest delay a Node timer accepts; the timer never needs to fire, only to exist. */
const MAX_TIMER_DELAY_MS = 2 ** 31 - 1;

/**
 * Keeps the process alive while at least one caller waits, and never otherwise.
 *
 * The waits and deadlines inside a refresh (retry backoff, request deadlines, store polls) are
 * unref'd timers, so a background refresh never holds the process open. But a standalone app (a CLI,
 * a cron job) whose IdP is down would then see the event loop run dry during a retry wait and exit
 * silently, its caller's `catch` and `finally` never run. So while a caller waits, one ref'd timer
 * holds the process open; it is cleared when the last waiter settles.
 * @internal
 */
export class KeepAliveWhileWaiting {
  #waiters = 0;
  #handle: NodeJS.Timeout | undefined;

  /** `waiting`, holding the process open until it settles. */
  hold<T>(waiting: Promise<T>): Promise<T> {
    if (this.#waiters++ === 0) this.#handle = setInterval(() => undefined, MAX_TIMER_DELAY_MS);
    return waiting.finally(() => {
      if (--this.#waiters > 0) return;
      clearInterval(this.#handle);
      this.#handle = undefined;
    });
  }
}
