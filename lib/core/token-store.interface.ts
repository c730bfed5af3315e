/**
 * A token as a `TokenStore` keeps it: what the token endpoint issued plus when it was requested,
 * so every instance derives the same expiry and refresh instants from it.
 */
export interface StoredToken {
  readonly accessToken: string;
  /** `Bearer`. */
  readonly tokenType: string;
  /** Granted scope, when the server reported one. */
  readonly scope?: string;
  /** Lifetime in seconds, counted from `obtainedAtMs`. */
  readonly expiresInSeconds: number;
  /** Whether `expires_in` was missing and `defaultExpiresInSeconds` was assumed. */
  readonly expiresInDefaulted: boolean;
  /** When the token request that produced it was sent (milliseconds since the epoch). */
  readonly obtainedAtMs: number;
}

/**
 * Exactly the fields of a `StoredToken`, `scope` only when set: the one explicit list of what a store
 * keeps, so nothing new is persisted by accident.
 * @internal
 */
export function pickStoredToken(token: StoredToken): StoredToken {
  const { accessToken, tokenType, scope, expiresInSeconds, expiresInDefaulted, obtainedAtMs } = token;
  return { accessToken, tokenType, expiresInSeconds, expiresInDefaulted, obtainedAtMs, ...(scope !== undefined ? { scope } : {}) };
}

/**
 * Where a fleet of instances shares one token per client, and the lease that elects the one instance
 * that fetches it. `key` is an opaque fingerprint of the client (see `tokenCacheKey`); a store derives
 * its own names from it. Every method may reject when the store is unreachable: the token manager then
 * falls back to fetching the token itself, so a store outage never fails a caller. It does the same
 * when a call does not answer within the module's `requestTimeoutMs`. What `get` returns is checked like
 * a token endpoint's answer (sendable token, known type, bounded lifetime); anything else counts as absent.
 *
 * Implementations: `MemoryTokenStore` (one process) and `RedisTokenStore`
 * (`nestjs-client-credentials/redis`).
 */
export interface TokenStore {
  /** The stored token, or `undefined` when there is none (or it cannot be read, e.g. a wrong encryption key). */
  get(key: string): Promise<StoredToken | undefined>;
  /** Stores the token; the store forgets it after `ttlMs`. */
  set(key: string, token: StoredToken, ttlMs: number): Promise<void>;
  /** Deletes the stored token only if it is `accessToken` (compare-and-delete); true when deleted. */
  deleteIfEqual(key: string, accessToken: string): Promise<boolean>;
  /** Takes the fetch lease if nobody holds it (`SET NX PX`); it expires by itself after `ttlMs`. */
  acquireLease(key: string, ownerId: string, ttlMs: number): Promise<boolean>;
  /** Releases the lease only if `ownerId` still holds it (compare-and-delete); true when released. */
  releaseLease(key: string, ownerId: string): Promise<boolean>;
  /**
   * Put-if-absent of a fleet-wide secret, so the processes of a fleet agree on one value (the DPoP key
   * pair generated with `dpop: true`, whose thumbprint every token is bound to). Stores `candidate`
   * under `key` when nothing is stored there and returns it; otherwise returns what is stored and
   * extends its life to `ttlMs` from now, also when it equals `candidate` (a running process re-offers
   * its key periodically to keep it alive). Must be atomic across processes (`SET NX`, a Lua script), and
   * the value must be kept as a secret (encrypted at rest where the store can).
   *
   * Resolves `undefined` when a value is stored but cannot be read here (e.g. encrypted with a key not
   * configured here). Optional: without it, each process keeps a key of its own and the fleet gets one
   * token per process. It may reject like every other method; the caller then falls back the same way.
   */
  claimSharedSecret?(key: string, candidate: string, ttlMs: number): Promise<string | undefined>;
  /**
   * Optional: tells this process at once when a token is stored (or the lease released) under `key` by
   * any instance, so an instance waiting for the lease owner stops waiting then instead of at its next
   * poll. `onChange('stored')` follows each such write; `onChange('active')` follows each time
   * notifications start flowing (a change just before may have been missed). Polling stays the
   * fallback: while `active` is false, or for a notification that never arrives, nothing is lost but time.
   */
  watchToken?(key: string, onChange: (change: 'stored' | 'active') => void): TokenStoreWatch;
  /** Releases what the store opened itself (connections it created); called when the module shuts down. */
  close?(): Promise<void>;
}

/** A subscription of `TokenStore.watchToken`. */
export interface TokenStoreWatch {
  /** Whether notifications flow right now. */
  readonly active: boolean;
  /** Stops calling this watch's `onChange`. */
  stop(): void;
}
