import { describeError } from '../internal/describe-error.js';
import type { TokenEvent } from '../manager/token-event.interface.js';

/** The class and message of a failure; both are free of secrets by construction of `TokenError`. */
export interface LastError {
  readonly class: string;
  readonly message: string;
}

/** What health output says of one cache entry's refreshes. */
export interface EntryRefreshState {
  /** When its last token arrived. */
  lastRefreshAt: Date | undefined;
  lastError: LastError | null;
  /** Its last refresh failed (no token arrived since). */
  lastRefreshFailed: boolean;
}

/**
 * The refresh history of each cache entry of a client, by entry id, learnt from the lifecycle events.
 * Entries the manager no longer holds are forgotten (`retainOnly`) at each check and whenever the log
 * has grown to twice what it held after the last pruning, so it stays within a small multiple of the
 * manager's own bound (`maxCachedTokens + 1`) even when no check runs.
 * @internal
 */
export class EntryRefreshLog {
  readonly #byId = new Map<string, EntryRefreshState>();

  /** The state of entry `id` (empty when nothing happened to it yet). */
  of(id: string): EntryRefreshState {
    let state = this.#byId.get(id);
    if (state === undefined) this.#byId.set(id, (state = { lastRefreshAt: undefined, lastError: null, lastRefreshFailed: false }));
    return state;
  }

  observe(event: TokenEvent): void {
    if (event.type === 'acquired' || event.type === 'refreshed') {
      const state = this.of(event.entry.id);
      state.lastRefreshAt = event.at;
      state.lastRefreshFailed = false;
    } else if (event.type === 'refresh_failed') {
      const state = this.of(event.entry.id);
      state.lastRefreshFailed = true;
      state.lastError = { class: event.errorClass, message: event.errorMessage };
    }
  }

  /** A check of entry `id` (undefined: parameters that name no entry) failed with `error`; its own `refresh_failed` event may come later. */
  failed(id: string | undefined, error: unknown): LastError {
    const { errorClass, errorMessage } = describeError(error);
    const lastError = { class: errorClass, message: errorMessage };
    if (id !== undefined) this.of(id).lastError = lastError;
    return lastError;
  }

  /** How many entries' states are held. */
  get size(): number {
    return this.#byId.size;
  }

  /** Forgets every entry not in `ids` (evicted by the manager). */
  retainOnly(ids: ReadonlySet<string>): void {
    for (const id of this.#byId.keys()) if (!ids.has(id)) this.#byId.delete(id);
  }
}
