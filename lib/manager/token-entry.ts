import { tokenPhase } from '../core/cached-token.js';
import type { TokenSource } from '../source/token-source.interface.js';
import type { RefreshFlight, TokenFetch } from './refresh-flight.js';
import type { TokenCache } from './token-cache.js';
import type { TokenLifecycleReporter } from './token-lifecycle.reporter.js';

/**
 * One cached token and everything that keeps it: its `TokenCache`, its `RefreshFlight` (single flight,
 * retries, cooldown, stale-if-error) and its token source (the fleet key included). A client has one for
 * its registration's parameters and one per distinct set of per-call parameters (`TokenEntries`).
 * @internal
 */
export class TokenEntry {
  readonly #fetchNew: TokenFetch = (signal) => this.source.fetchToken(signal, this.cache.current);
  /** When this entry was last asked for a token (a use counter, for least-recently-used eviction). */
  lastUsed = 0;

  constructor(
    readonly cache: TokenCache,
    readonly flight: RefreshFlight,
    readonly source: TokenSource,
    private readonly reporter: TokenLifecycleReporter,
    private readonly clock: () => number,
  ) {}

  /** A valid token: the fresh cached one without I/O, else through the flight; `forceRenewal` replaces it once. */
  get(signal?: AbortSignal, forceRenewal?: boolean): Promise<string> {
    if (forceRenewal === true) return this.forceRenewal(signal);
    const cache = this.cache;
    return this.clock() < cache.freshUntilMs ? cache.settled! : this.acquire(signal);
  }

  acquire(signal?: AbortSignal): Promise<string> {
    const cached = this.cache.current;
    switch (tokenPhase(cached, this.clock())) {
      case 'fresh':
        return Promise.resolve(cached!.value);
      case 'verify':
        return this.flight.wait((flightSignal) => this.source.verifyToken(cached!, flightSignal), signal, cached);
      case 'stale':
        this.flight.startInBackground(this.#fetchNew);
        return Promise.resolve(cached!.value);
      case 'expired':
        return this.flight.wait(this.#fetchNew, signal);
    }
  }

  /** Drops the cached token (given the rejected one, only if still cached); true when one was dropped. */
  invalidate(rejectedToken?: string): boolean {
    const dropped = this.cache.drop(rejectedToken);
    if (dropped === undefined) return false;
    void this.source.discard?.(dropped.value);
    this.reporter.invalidated();
    return true;
  }

  /** See `TokenManagerService.renewRejected`. */
  async renewRejected(rejectedToken: string, signal?: AbortSignal): Promise<string> {
    this.invalidate(rejectedToken);
    const cached = this.cache.current;
    if (tokenPhase(cached, this.clock()) !== 'expired') return cached!.value;
    const renew: TokenFetch = (flightSignal) => this.source.renewRejected(rejectedToken, flightSignal);
    const joinedOther = this.flight.inFlight;
    const token = await this.flight.wait(renew, signal);
    if (token !== rejectedToken || !joinedOther) return token;
    // We joined a plain refresh that returned the rejected token again: renew once, for everyone.
    this.invalidate(rejectedToken);
    return this.flight.wait(renew, signal);
  }

  /**
   * The cached token is replaced once: the first caller drops it (from the store too) and starts the
   * renewal; callers asking meanwhile find no token and join that renewal.
   */
  private forceRenewal(signal?: AbortSignal): Promise<string> {
    const current = this.cache.current;
    return current === undefined ? this.acquire(signal) : this.renewRejected(current.value, signal);
  }

  /** Aborts the refresh in flight and its waits; an entry closed while idle holds nothing. */
  close(): void {
    this.flight.close();
  }
}
