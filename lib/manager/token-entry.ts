import { tokenPhase } from '../core/cached-token.js';
import type { TokenSource } from '../source/token-source.interface.js';
import type { BackgroundRefresher } from './background-refresher.js';
import type { RefreshFlight, TokenFetch } from './refresh-flight.js';
import type { TokenCache } from './token-cache.js';
import type { TokenEntryLabel } from './token-entry-label.js';
import type { TokenEntryInfo } from './token-info.interface.js';
import type { TokenLifecycleReporter } from './token-lifecycle.reporter.js';

/**
 * One cached token and everything that keeps it: its `TokenCache`, its `RefreshFlight` (single flight,
 * retries, cooldown, stale-if-error) and its token source (the fleet key included). A client has one for
 * its registration's parameters and one per distinct set of per-call parameters (`TokenEntries`).
 * @internal
 */
export class TokenEntry {
  /** A new token from the source (the fetch of a stale or expired token, and of a background refresh). */
  readonly fetchNew: TokenFetch = (signal) => this.source.fetchToken(signal, this.cache.current);
  /** When this entry was last asked for a token (a use counter, for least-recently-used eviction). */
  lastUsed = 0;
  /** When this entry was last asked for a token through `get` (by the manager's clock): background refresh of per-call entries stops once nobody asks. */
  lastAskedAtMs = 0;
  /** With `refreshInBackground`: the timer that refreshes this entry's token ahead of callers; stopped by `close()`. */
  background: BackgroundRefresher | undefined;

  constructor(
    readonly cache: TokenCache,
    readonly flight: RefreshFlight,
    readonly source: TokenSource,
    readonly reporter: TokenLifecycleReporter,
    private readonly clock: () => number,
  ) {}

  /** How events, health and metrics name this entry. */
  get label(): TokenEntryLabel {
    return this.reporter.entry;
  }

  /** Its label and the facts of its token (never the value). */
  describe(): TokenEntryInfo {
    return { entry: this.label, token: this.cache.info() };
  }

  /** The HTTP layer resent a request once after a 401 with this entry's renewed token. */
  reportUnauthorizedRetry(origin: string | undefined): void {
    this.reporter.unauthorizedRetry(origin);
  }

  /** A valid token: the fresh cached one without I/O, else through the flight; `forceRenewal` replaces it once. */
  get(signal?: AbortSignal, forceRenewal?: boolean): Promise<string> {
    const now = (this.lastAskedAtMs = this.clock());
    if (forceRenewal === true) return this.forceRenewal(signal);
    const cache = this.cache;
    return now < cache.freshUntilMs ? cache.settled! : this.acquire(signal);
  }

  acquire(signal?: AbortSignal): Promise<string> {
    const cached = this.cache.current;
    switch (tokenPhase(cached, this.clock())) {
      case 'fresh':
        return Promise.resolve(cached!.value);
      case 'verify':
        return this.flight.wait((flightSignal) => this.source.verifyToken(cached!, flightSignal), signal, cached);
      case 'stale':
        this.flight.startInBackground(this.fetchNew);
        return Promise.resolve(cached!.value);
      case 'expired':
        return this.flight.wait(this.fetchNew, signal);
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

  /** Aborts the refresh in flight and its waits, stops its background refresh; an entry closed while idle holds nothing. */
  close(): void {
    this.background?.stop();
    this.flight.close();
  }
}
