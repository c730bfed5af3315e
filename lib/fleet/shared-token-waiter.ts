import { abortError } from '../internal/abort-error.js';
import type { TokenStore, TokenStoreWatch } from '../core/token-store.interface.js';

/**
 * Pause between two looks while the store announces stored tokens: the announcement ends the wait,
 * so polling only catches what it missed (an owner that died, a lost message), and a token request of
 * up to this long costs a waiter no look at the store.
 */
const NOTIFIED_POLL_MS = 500;

/**
 * The pause of an instance waiting for the lease owner's token: it ends when the store announces a
 * stored token or a released lease (`TokenStore.watchToken`), else after the poll delay. A store
 * without announcements, or whose announcements are not flowing, is polled as before.
 * @internal
 */
export class SharedTokenWaiter {
  readonly #watch: TokenStoreWatch | undefined;
  /** A change was announced (or announcements started) since the last look at the store. */
  #changed = false;
  #wake: (() => void) | undefined;

  /** Starts watching `key`; call it before the first look at the store, and `stop()` when done. */
  constructor(store: TokenStore, key: string) {
    if (typeof store.watchToken !== 'function') return;
    try {
      this.#watch = store.watchToken(key, () => {
        this.#changed = true;
        this.#wake?.();
      });
    } catch {
      // A custom store that cannot watch: polling alone.
    }
  }

  /**
   * Resolves at the next announcement (or at once when one came during the last look), else after
   * `pollMs` (at least NOTIFIED_POLL_MS while announcements flow). Rejects when `signal` aborts. The
   * timer is unref'd: a wait never keeps the process alive.
   */
  wait(pollMs: number, maxMs: number, signal: AbortSignal): Promise<void> {
    if (signal.aborted) return Promise.reject(abortError(signal));
    if (this.#changed) {
      this.#changed = false;
      return Promise.resolve();
    }
    const delayMs = Math.min(maxMs, this.#watch?.active ? Math.max(pollMs, NOTIFIED_POLL_MS) : pollMs);
    return new Promise<void>((resolve, reject) => {
      const finish = (outcome: () => void) => {
        clearTimeout(timer);
        signal.removeEventListener('abort', onAbort);
        this.#wake = undefined;
        this.#changed = false;
        outcome();
      };
      const onAbort = () => finish(() => reject(abortError(signal)));
      const timer = setTimeout(() => finish(resolve), delayMs);
      timer.unref();
      this.#wake = () => finish(resolve);
      signal.addEventListener('abort', onAbort, { once: true });
    });
  }

  stop(): void {
    this.#watch?.stop();
    this.#wake = undefined;
  }
}
