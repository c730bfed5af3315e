import type { StoredToken, TokenStore } from '../core/token-store.interface.js';
import { callAsPromise } from '../internal/call-as-promise.js';

interface Expiring<T> {
  readonly value: T;
  readonly expiresAtMs: number;
}

/**
 * A `TokenStore` in this process's memory. It lets several token managers of one process (for
 * example several Nest applications in one test run) share one token per client, and it is the
 * reference implementation of the store contract. A fleet of processes needs `RedisTokenStore`.
 */
export class MemoryTokenStore implements TokenStore {
  readonly #tokens = new Map<string, Expiring<StoredToken>>();
  readonly #leases = new Map<string, Expiring<string>>();
  readonly #sharedSecrets = new Map<string, Expiring<string>>();
  readonly #clock: () => number;

  /** @param clock milliseconds-since-epoch clock for expiry, default `Date.now`. */
  constructor(clock: () => number = Date.now) {
    this.#clock = clock;
  }

  get(key: string): Promise<StoredToken | undefined> {
    return callAsPromise(() => this.live(this.#tokens, key)?.value);
  }

  set(key: string, token: StoredToken, ttlMs: number): Promise<void> {
    return callAsPromise(() => {
      this.#tokens.set(key, { value: token, expiresAtMs: this.#clock() + ttlMs });
    });
  }

  deleteIfEqual(key: string, accessToken: string): Promise<boolean> {
    return callAsPromise(() => this.live(this.#tokens, key)?.value.accessToken === accessToken && this.#tokens.delete(key));
  }

  acquireLease(key: string, ownerId: string, ttlMs: number): Promise<boolean> {
    return callAsPromise(() => {
      if (this.live(this.#leases, key) !== undefined) return false;
      this.#leases.set(key, { value: ownerId, expiresAtMs: this.#clock() + ttlMs });
      return true;
    });
  }

  releaseLease(key: string, ownerId: string): Promise<boolean> {
    return callAsPromise(() => this.live(this.#leases, key)?.value === ownerId && this.#leases.delete(key));
  }

  /** In-process put-if-absent: every registration on this store adopts the first candidate. */
  claimSharedSecret(key: string, candidate: string, ttlMs: number): Promise<string> {
    return callAsPromise(() => {
      const secret = this.live(this.#sharedSecrets, key)?.value ?? candidate;
      this.#sharedSecrets.set(key, { value: secret, expiresAtMs: this.#clock() + ttlMs });
      return secret;
    });
  }

  /** The entry if it has not expired; an expired one is dropped. */
  private live<T>(entries: Map<string, Expiring<T>>, key: string): Expiring<T> | undefined {
    const entry = entries.get(key);
    if (entry === undefined || this.#clock() < entry.expiresAtMs) return entry;
    entries.delete(key);
    return undefined;
  }

  toJSON(): Record<string, unknown> {
    return { store: 'memory', tokens: this.#tokens.size };
  }
}
