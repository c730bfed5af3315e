/** A token as a `TokenStore` keeps it: the value and the instants that drive its lifecycle. */
export interface StoredToken {
  readonly value: string;
  readonly tokenType: string;
  readonly scope?: string;
  /** When the token request that produced it was sent (ms since the epoch). */
  readonly obtainedAtMs: number;
  /** Past this instant the token is never handed out. */
  readonly expiresAtMs: number;
  /** From this instant the token is stale: still served, while one refresh runs. */
  readonly refreshAtMs: number;
}

/**
 * Where tokens are kept, keyed by `tokenCacheKey()`: memory by default, a shared store (Redis) for a
 * fleet that should ask the IdP once rather than once per instance. Implementations never log values.
 */
export interface TokenStore {
  /** The token under `key`, or undefined when there is none or it has expired. */
  get(key: string): Promise<StoredToken | undefined>;
  /** Keeps `token` under `key` until its `expiresAtMs` at most. */
  set(key: string, token: StoredToken): Promise<void>;
  /** Deletes the token under `key` only if its value is `value` (a late 401 must not drop a newer token). */
  deleteIfEqual(key: string, value: string): Promise<boolean>;
  /**
   * Tries to become the one refresher of `key` for `ttlMs`; true when `holder` got (or already held) the lease.
   * A crashed holder loses it when `ttlMs` passes.
   */
  acquireLease(key: string, holder: string, ttlMs: number): Promise<boolean>;
  /** Gives the lease back if `holder` still holds it. */
  releaseLease(key: string, holder: string): Promise<void>;
}
