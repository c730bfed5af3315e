import type { Logger } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import type { IssuedToken } from '../core/issued-token.interface.js';
import { cacheIssuedToken } from '../core/cached-token.js';
import type { Clock } from '../options/token-module-options.interface.js';
import { RateLimitedLog } from '../internal/rate-limited-log.js';
import { storeCommand } from '../store/store-command.js';
import { pickStoredToken, type StoredToken, type TokenStore } from '../core/token-store.interface.js';
import { storedTokenExpiresAtMs, usableStoredToken } from '../store/usable-stored-token.js';
import { SharedTokenWaiter } from './shared-token-waiter.js';
import { StoreAvailability } from './store-availability.js';

/** First and longest pause between two looks at the store while another instance fetches. */
const FIRST_POLL_MS = 20;
const MAX_POLL_MS = 250;
/** Rejected tokens remembered, so none of them is adopted from the store again. */
const REMEMBERED_REJECTIONS = 8;

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
  /** Deadline of one store command; past it the store counts as failed and the instance fetches itself. */
  readonly commandTimeoutMs: number;
  readonly logger: Logger;
  /** Told when the store stops answering (this instance then fetches its own tokens) and when it answers again. */
  readonly onStoreAvailability?: (available: boolean) => void;
}

/** A token and the instant its request was sent (by whichever instance sent it). @internal */
export interface ObtainedToken {
  readonly issued: IssuedToken;
  readonly obtainedAtMs: number;
  /** `store`: another instance fetched it; `endpoint`: this instance did. */
  readonly source: 'store' | 'endpoint';
}

/** Fetches a token at the token source, by this instance. @internal */
export type LocalFetch = (signal: AbortSignal) => Promise<IssuedToken>;

/**
 * How a fleet shares a token: distributed single-flight over a `TokenStore`.
 *
 * 1. A fresh token in the store is used as is (no token request).
 * 2. Otherwise the instance that wins the lease (`SET NX PX` with its owner id) fetches the token,
 *    stores it until it expires, then releases the lease (compare-and-delete). If it dies first, the
 *    lease expires after `leaseMs` and the next instance takes over.
 * 3. The others wait until the store announces the token (`SharedTokenWaiter`), or poll it with
 *    backoff (and retry the lease) until it appears, and past `waitMs` fetch a token themselves.
 * 4. When the store fails (down, slow, unreadable), or a command gets no answer within
 *    `commandTimeoutMs`, the instance fetches locally: the manager's in-process single-flight still
 *    holds, callers never see the store's error, and the next refresh tries the store again.
 *
 * What is read from the store is checked like an answer of the token endpoint (`usableStoredToken`),
 * and a token this instance saw rejected is never taken from it again. A write never replaces a
 * stored token that expires later: that one is adopted instead. "Fresh" uses the same refresh instant
 * as the manager's cache, so a stale shared token triggers one fleet-wide refresh.
 * @internal
 */
export class SharedTokenCoordinator {
  readonly #settings: SharedTokenCoordinatorSettings;
  readonly #ownerId = randomUUID();
  readonly #availability: StoreAvailability;
  readonly #unusableLog: RateLimitedLog;
  /** Tokens this instance saw rejected, the latest last. */
  readonly #rejected: string[] = [];

  constructor(settings: SharedTokenCoordinatorSettings) {
    this.#settings = settings;
    this.#availability = new StoreAvailability(settings.logger, settings.onStoreAvailability);
    this.#unusableLog = new RateLimitedLog(settings.logger);
  }

  /** A token from the store, or from `fetchLocally` by this instance as lease owner or as fallback. */
  async obtain(fetchLocally: LocalFetch, signal: AbortSignal): Promise<ObtainedToken> {
    const waiter = new SharedTokenWaiter(this.#settings.store, this.#settings.key);
    try {
      return await this.obtainWatched(fetchLocally, signal, waiter);
    } finally {
      waiter.stop();
    }
  }

  private async obtainWatched(fetchLocally: LocalFetch, signal: AbortSignal, waiter: SharedTokenWaiter): Promise<ObtainedToken> {
    const { key, leaseMs, waitMs } = this.#settings;
    const deadlineMs = Date.now() + waitMs;
    for (let pollMs = FIRST_POLL_MS; ; pollMs = Math.min(pollMs * 2, MAX_POLL_MS)) {
      let leased = false;
      let leaseRequested = false;
      try {
        let shared = await this.readFresh(signal);
        if (shared === undefined) {
          leaseRequested = true;
          leased = await this.command((store) => store.acquireLease(key, this.#ownerId, leaseMs), signal);
          // Another instance may have stored a token between our read and our lease.
          if (leased) shared = await this.readFresh(signal);
        }
        if (shared !== undefined) {
          if (leased) void this.release();
          this.#availability.answered();
          return shared;
        }
      } catch (error) {
        // A timed-out lease request may still land in the store: release it (compare-and-delete), so
        // the fleet does not wait out a lease nobody is fetching under.
        if (leaseRequested) void this.release();
        if (signal.aborted) throw error;
        this.#availability.failed(error);
        return this.fetch(fetchLocally, signal, false);
      }
      this.#availability.answered();
      if (leased) return this.fetchAsLeaseOwner(fetchLocally, signal);
      if (Date.now() >= deadlineMs) {
        this.#settings.logger.warn(`No shared token after waiting ${waitMs} ms for the instance holding the lease; fetching one here`);
        return this.fetch(fetchLocally, signal, true);
      }
      await waiter.wait(pollMs, Math.max(0, deadlineMs - Date.now()), signal);
    }
  }

  /**
   * A server rejected `accessToken`: it is never taken from the store again here, and it is deleted
   * from the store if it is still the shared one (compare-and-delete), so a fleet that sees the same 401
   * everywhere refreshes once. The delete is issued synchronously, before any later read of this
   * instance, and only once per token. Settles when the store answered or failed; never rejects.
   */
  invalidate(accessToken: string): Promise<void> {
    if (this.#rejected.includes(accessToken)) return Promise.resolve();
    this.#rejected.push(accessToken);
    if (this.#rejected.length > REMEMBERED_REJECTIONS) this.#rejected.shift();
    return this.deleteShared(accessToken);
  }

  /** The stored token if it is usable here and fresh by this instance's clock and margin. */
  private async readFresh(signal: AbortSignal): Promise<ObtainedToken | undefined> {
    const stored = await this.readUsable(signal);
    if (stored === undefined) return undefined;
    const cached = cacheIssuedToken(stored, stored.obtainedAtMs, this.#settings.refreshMarginSeconds);
    if (this.#settings.clock() >= cached.refreshAtMs) return undefined;
    return { issued: stored, obtainedAtMs: stored.obtainedAtMs, source: 'store' };
  }

  /** The stored token unless it is unusable (`usableStoredToken`) or one this instance saw rejected. */
  private async readUsable(signal: AbortSignal): Promise<StoredToken | undefined> {
    const value = await this.command((store) => store.get(this.#settings.key), signal);
    if (value === undefined) return undefined;
    const stored = usableStoredToken(value, this.#settings.clock());
    if (stored === undefined) {
      this.#unusableLog.warn(
        'The token store holds a token that is not usable (malformed, or a lifetime out of bounds); treated as absent',
      );
      return undefined;
    }
    if (!this.#rejected.includes(stored.accessToken)) return stored;
    // Written back late by another instance, or our compare-and-delete failed: delete it again.
    void this.deleteShared(stored.accessToken);
    return undefined;
  }

  private async fetchAsLeaseOwner(fetchLocally: LocalFetch, signal: AbortSignal): Promise<ObtainedToken> {
    try {
      return await this.fetch(fetchLocally, signal, true);
    } finally {
      // Released after the token is stored, so no waiter can win the lease and find the store empty.
      void this.release();
    }
  }

  /**
   * Fetches a token here and, when `share`, stores it for the fleet (a store failure is only logged),
   * unless the store now holds a token that expires later (another instance's later request): then
   * that one is returned and kept.
   */
  private async fetch(fetchLocally: LocalFetch, signal: AbortSignal, share: boolean): Promise<ObtainedToken> {
    const obtainedAtMs = this.#settings.clock();
    const issued = await fetchLocally(signal);
    const fetched: ObtainedToken = { issued, obtainedAtMs, source: 'endpoint' };
    if (!share) return fetched;
    const mine = pickStoredToken({ ...issued, obtainedAtMs });
    try {
      const stored = await this.readUsable(signal);
      if (stored !== undefined && storedTokenExpiresAtMs(stored) > storedTokenExpiresAtMs(mine))
        return { issued: stored, obtainedAtMs: stored.obtainedAtMs, source: 'store' };
      const ttlMs = storedTokenExpiresAtMs(mine) - this.#settings.clock();
      if (ttlMs > 0) await this.command((store) => store.set(this.#settings.key, mine, Math.ceil(ttlMs)), signal);
    } catch (error) {
      if (signal.aborted) throw error;
      this.#availability.failed(error);
    }
    return fetched;
  }

  private deleteShared(accessToken: string): Promise<void> {
    return this.command((store) => store.deleteIfEqual(this.#settings.key, accessToken)).then(
      () => this.#availability.answered(),
      (error: unknown) => this.#availability.failed(error),
    );
  }

  private release(): Promise<void> {
    return this.command((store) => store.releaseLease(this.#settings.key, this.#ownerId)).then(
      () => undefined,
      (error: unknown) => this.#availability.failed(error),
    );
  }

  private command<T>(run: (store: TokenStore) => Promise<T>, signal?: AbortSignal): Promise<T> {
    return storeCommand(this.#settings.store, run, this.#settings.commandTimeoutMs, signal);
  }
}
