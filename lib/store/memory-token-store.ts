import type { Clock } from '../options/token-module-options.interface.js';
import type { StoredToken, TokenStore } from './token-store.interface.js';

/**
 * The in-process `TokenStore`: two maps, expiry checked on read by the injected clock, so it needs no
 * timer and holds nothing open at shutdown.
 */
export class MemoryTokenStore implements TokenStore {
  readonly #tokens = new Map<string, StoredToken>();
  readonly #leases = new Map<string, { holder: string; untilMs: number }>();
  readonly #clock: Clock;

  constructor(clock: Clock = Date.now) {
    this.#clock = clock;
  }

  async get(key: string): Promise<StoredToken | undefined> {
    const token = this.#tokens.get(key);
    if (token !== undefined && this.#clock() >= token.expiresAtMs) {
      this.#tokens.delete(key);
      return undefined;
    }
    return token;
  }

  async set(key: string, token: StoredToken): Promise<void> {
    if (this.#clock() < token.expiresAtMs) this.#tokens.set(key, token);
  }

  async deleteIfEqual(key: string, value: string): Promise<boolean> {
    if (this.#tokens.get(key)?.value !== value) return false;
    return this.#tokens.delete(key);
  }

  async acquireLease(key: string, holder: string, ttlMs: number): Promise<boolean> {
    const now = this.#clock();
    const lease = this.#leases.get(key);
    if (lease !== undefined && lease.holder !== holder && now < lease.untilMs) return false;
    this.#leases.set(key, { holder, untilMs: now + ttlMs });
    return true;
  }

  async releaseLease(key: string, holder: string): Promise<void> {
    if (this.#leases.get(key)?.holder === holder) this.#leases.delete(key);
  }

  /** Keys and lease holders only: never token values. */
  toJSON(): Record<string, unknown> {
    return { tokens: [...this.#tokens.keys()], leases: Object.fromEntries([...this.#leases].map(([key, lease]) => [key, lease.holder])) };
  }
}
