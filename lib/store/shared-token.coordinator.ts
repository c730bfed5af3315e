import type { Logger } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import type { IssuedToken } from '../endpoint/issued-token.interface.js';
import { cacheIssuedToken } from '../manager/cached-token.js';
import type { Clock } from '../options/token-module-options.interface.js';
import { RateLimitedLog } from './rate-limited-log.js';
import { pickStoredToken, type TokenStore } from './token-store.interface.js';
import { abortableSleep } from '../internal/abortable-sleep.js';
import { errorSummary } from '../internal/error-summary.js';

/** First and longest pause between two looks at the store while another instance fetches. */
const FIRST_POLL_MS = 20;
const MAX_POLL_MS = 250;

/** What the coordinator needs to know. @internal */
export interface SharedTokenCoordinatorSettings {
  readonly store: TokenStore;
  /** Fingerprint of the client (`tokenCacheKey`). */
  readonly key: string;
  /** The manager's clock: decides whether a shared token is still fresh. */
  readonly clock: Clock;
  readonly refreshMarginSeconds: number;
  /** How long the fetch lease lives when its owner dies before releasing it. */
  readonly leaseMs: number;
  /** How long an instance waits for the lease owner before fetching a token itself. */
  readonly waitMs: number;
  readonly logger: Logger;
}

/** A token and the instant its request was sent (by whichever instance sent it). @internal */
export interface ObtainedToken {
  readonly issued: IssuedToken;
  readonly obtainedAtMs: number;
  /** `store`: another instance fetched it; `endpoint`: this instance did. */
  readonly source: 'store' | 'endpoint';
}

/**
 * How a fleet shares a token: distributed single-flight over a `TokenStore`.
 *
 * 1. A fresh token in the store is used as is (no token request).
 * 2. Otherwise the instance that wins the lease (`SET NX PX` with its owner id) fetches the token,
 *    stores it until it expires, then releases the lease (compare-and-delete). If it dies first, the
 *    lease expires after `leaseMs` and the next instance takes over.
 * 3. The others poll the store with backoff (and retry the lease) until the token appears, and past
 *    `waitMs` fetch a token themselves.
 * 4. When the store fails (down, slow, unreadable), the instance fetches locally: the manager's
 *    in-process single-flight still holds, callers never see the store's error, and the next refresh
 *    tries the store again.
 *
 * "Fresh" uses the same refresh instant as the manager's cache, so a stale shared token triggers one
 * fleet-wide refresh instead of being handed around until it expires.
 * @internal
 */
export class SharedTokenCoordinator {
  readonly #settings: SharedTokenCoordinatorSettings;
  readonly #ownerId = randomUUID();
  readonly #outageLog: RateLimitedLog;
  #storeAvailable = true;
  /** The token this instance saw rejected: never taken from the store again. */
  #rejected: string | undefined;

  constructor(settings: SharedTokenCoordinatorSettings) {
    this.#settings = settings;
    this.#outageLog = new RateLimitedLog(settings.logger);
  }

  /** A token from the store, or from `fetchLocally` by this instance as lease owner or as fallback. */
  async obtain(fetchLocally: (signal: AbortSignal) => Promise<IssuedToken>, signal: AbortSignal): Promise<ObtainedToken> {
    const { store, key, leaseMs, waitMs } = this.#settings;
    const deadlineMs = Date.now() + waitMs;
    for (let pollMs = FIRST_POLL_MS; ; pollMs = Math.min(pollMs * 2, MAX_POLL_MS)) {
      let leased = false;
      let leaseRequested = false;
      try {
        let shared = await this.readFresh();
        if (shared === undefined) {
          leaseRequested = true;
          leased = await store.acquireLease(key, this.#ownerId, leaseMs);
          // Another instance may have stored a token between our read and our lease.
          if (leased) shared = await this.readFresh();
        }
        if (shared !== undefined) {
          if (leased) void this.release();
          this.markAvailable();
          return shared;
        }
      } catch (error) {
        // A timed-out lease request may still land in the store: release it (compare-and-delete), so
        // the fleet does not wait out a lease nobody is fetching under.
        if (leaseRequested) void this.release();
        this.markUnavailable(error);
        return this.fetch(fetchLocally, signal, false);
      }
      this.markAvailable();
      if (leased) return this.fetchAsLeaseOwner(fetchLocally, signal);
      if (Date.now() >= deadlineMs) {
        this.#settings.logger.warn(`No shared token after waiting ${waitMs} ms for the instance holding the lease; fetching one here`);
        return this.fetch(fetchLocally, signal, true);
      }
      await abortableSleep(Math.min(pollMs, Math.max(0, deadlineMs - Date.now())), signal);
    }
  }

  /**
   * A server rejected `accessToken`: delete it from the store only if it is still the shared one, so
   * a fleet that sees the same 401 everywhere refreshes once. Issued synchronously, before any later
   * read of this instance, so this instance never reads the rejected token back.
   */
  invalidate(accessToken: string): void {
    this.#rejected = accessToken;
    this.#settings.store.deleteIfEqual(this.#settings.key, accessToken).then(
      () => this.markAvailable(),
      (error: unknown) => this.markUnavailable(error),
    );
  }

  /** The stored token if it is fresh by this instance's clock and margin, and not one seen rejected. */
  private async readFresh(): Promise<ObtainedToken | undefined> {
    const stored = await this.#settings.store.get(this.#settings.key);
    if (stored === undefined) return undefined;
    if (stored.accessToken === this.#rejected) {
      this.invalidate(stored.accessToken);
      return undefined;
    }
    const cached = cacheIssuedToken(stored, stored.obtainedAtMs, this.#settings.refreshMarginSeconds);
    if (this.#settings.clock() >= cached.refreshAtMs) return undefined;
    return { issued: stored, obtainedAtMs: stored.obtainedAtMs, source: 'store' };
  }

  private async fetchAsLeaseOwner(fetchLocally: (signal: AbortSignal) => Promise<IssuedToken>, signal: AbortSignal): Promise<ObtainedToken> {
    try {
      return await this.fetch(fetchLocally, signal, true);
    } finally {
      // Released after the token is stored, so no waiter can win the lease and find the store empty.
      void this.release();
    }
  }

  /** Fetches a token here and, when `share`, stores it for the fleet (a store failure is only logged). */
  private async fetch(fetchLocally: (signal: AbortSignal) => Promise<IssuedToken>, signal: AbortSignal, share: boolean): Promise<ObtainedToken> {
    const obtainedAtMs = this.#settings.clock();
    const issued = await fetchLocally(signal);
    if (share) {
      const ttlMs = obtainedAtMs + issued.expiresInSeconds * 1000 - this.#settings.clock();
      if (ttlMs > 0) {
        try {
          await this.#settings.store.set(this.#settings.key, pickStoredToken({ ...issued, obtainedAtMs }), Math.ceil(ttlMs));
        } catch (error) {
          this.markUnavailable(error);
        }
      }
    }
    return { issued, obtainedAtMs, source: 'endpoint' };
  }

  private release(): Promise<void> {
    return this.#settings.store.releaseLease(this.#settings.key, this.#ownerId).then(
      () => undefined,
      (error: unknown) => this.markUnavailable(error),
    );
  }

  private markUnavailable(error: unknown): void {
    this.#storeAvailable = false;
    this.#outageLog.warn(`Token store unavailable (${errorSummary(error)}); this instance fetches its own tokens until the store answers again`);
  }

  private markAvailable(): void {
    if (this.#storeAvailable) return;
    this.#storeAvailable = true;
    this.#outageLog.reset();
    this.#settings.logger.log('Token store answers again; sharing tokens with the fleet');
  }
}
