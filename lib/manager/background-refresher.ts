import type { OnModuleDestroy } from '@nestjs/common';
import { inspect } from 'node:util';
import type { Subscription } from 'rxjs';
import type { RefreshFlight, TokenFetch } from './refresh-flight.js';
import type { TokenCache } from './token-cache.js';
import type { TokenLifecycleReporter } from './token-lifecycle.reporter.js';

/** What the background refresher needs from the options. @internal */
export interface BackgroundRefresherSettings {
  readonly clock: () => number;
  readonly failureCooldownMs: number;
}

/** The entry a background refresher keeps fresh. @internal */
export interface BackgroundRefreshedEntry {
  readonly cache: TokenCache;
  readonly flight: RefreshFlight;
  readonly fetch: TokenFetch;
  /** The entry's reporter: the refresher follows its events only. */
  readonly reporter: TokenLifecycleReporter;
  /** Asked when the timer fires; false skips that refresh (the next caller's refresh schedules the timer again). Default: always. */
  readonly wanted?: (() => boolean) | undefined;
}

/** The timer fires up to this fraction of the stale window after `refreshAt`, so a fleet started together spreads out. */
const JITTER_FRACTION = 0.05;
/** First wait after a failed background refresh when the cooldown is shorter; it doubles with each failure. */
const MIN_BACKOFF_MS = 1_000;
/** Longest wait between two background attempts while the IdP is down. */
const MAX_BACKOFF_MS = 60_000;
/** No attempt is scheduled closer to expiry than this: the token would expire before the answer arrives. */
const LAST_ATTEMPT_BEFORE_EXPIRY_MS = 1_000;

/**
 * `refreshInBackground` for one cache entry: an unref'd timer starts the entry's refresh when its token
 * turns stale (`refreshAt`, plus up to 5 % of the stale window), so a service idle for longer than a token's
 * life finds a fresh token when it wakes. The refresh is the same single flight a caller would start
 * (`RefreshFlight.startInBackground`): retries, cooldown, stale-if-error and, with a `store`, the fleet lease
 * (only the lease winner requests a token; the others adopt it). While the IdP is down it tries again with a
 * doubling backoff until the token expires, which is served meanwhile; from then callers drive the refresh.
 * It learns of new tokens and failures from the lifecycle events, so callers and timer never race. `stop()`
 * clears the timer (module shutdown).
 * @internal
 */
export class BackgroundRefresher implements OnModuleDestroy {
  readonly #settings: BackgroundRefresherSettings;
  readonly #cache: TokenCache;
  readonly #flight: RefreshFlight;
  readonly #fetch: TokenFetch;
  readonly #reporter: TokenLifecycleReporter;
  readonly #wanted: () => boolean;
  readonly #random: () => number;
  readonly #subscription: Subscription;
  #timer: NodeJS.Timeout | undefined;
  #failuresInARow = 0;
  /** The refresh in flight was started by this timer: its outcome is reported as a background refresh. */
  #started = false;
  #stopped = false;

  constructor(settings: BackgroundRefresherSettings, entry: BackgroundRefreshedEntry, random: () => number = Math.random) {
    this.#settings = settings;
    this.#cache = entry.cache;
    this.#flight = entry.flight;
    this.#fetch = entry.fetch;
    this.#reporter = entry.reporter;
    this.#wanted = entry.wanted ?? (() => true);
    this.#random = random;
    this.#subscription = entry.reporter.entryEvents$.subscribe((event) => {
      if (event.type === 'acquired' || event.type === 'refreshed') this.afterRefresh(true);
      else if (event.type === 'refresh_failed') this.afterRefresh(false);
      else if (event.type === 'invalidated') this.cancel();
    });
  }

  /** Whether a background refresh is scheduled. */
  get scheduled(): boolean {
    return this.#timer !== undefined;
  }

  /** Module shutdown (`app.close()`): `stop()`. */
  onModuleDestroy(): void {
    this.stop();
  }

  /** Clears the timer; nothing is scheduled again. */
  stop(): void {
    this.#stopped = true;
    this.#subscription.unsubscribe();
    this.cancel();
  }

  private afterRefresh(succeeded: boolean): void {
    if (this.#started) {
      this.#started = false;
      this.#reporter.backgroundRefresh(succeeded ? 'success' : 'failure');
    }
    this.#failuresInARow = succeeded ? 0 : this.#failuresInARow + 1;
    const token = this.#cache.current;
    const now = this.#settings.clock();
    if (token === undefined || now >= token.expiresAtMs) return this.cancel();
    if (succeeded) {
      const staleWindowMs = token.expiresAtMs - token.refreshAtMs;
      return this.schedule(token.refreshAtMs + this.#random() * JITTER_FRACTION * staleWindowMs - now);
    }
    const backoffMs = Math.min(
      Math.max(this.#settings.failureCooldownMs, MIN_BACKOFF_MS) * 2 ** (this.#failuresInARow - 1),
      MAX_BACKOFF_MS,
    );
    const untilLastAttemptMs = token.expiresAtMs - LAST_ATTEMPT_BEFORE_EXPIRY_MS - now;
    if (untilLastAttemptMs <= 0) return this.cancel();
    // ±JITTER_FRACTION, so the instances of a fleet that failed together do not retry together.
    this.schedule(Math.min(backoffMs * (1 - JITTER_FRACTION + 2 * JITTER_FRACTION * this.#random()), untilLastAttemptMs));
  }

  private schedule(delayMs: number): void {
    this.cancel();
    if (this.#stopped) return;
    this.#timer = setTimeout(() => this.fire(), Math.max(0, Math.round(delayMs)));
    // A background refresh never keeps the process alive.
    this.#timer.unref();
  }

  private fire(): void {
    this.#timer = undefined;
    if (this.#stopped || !this.#wanted()) return;
    if (this.#flight.startInBackground(this.#fetch)) this.#started = true;
    // A refresh in flight reports its outcome, which schedules the next timer; none started means a cooldown.
    else if (!this.#flight.inFlight) this.afterRefresh(false);
  }

  private cancel(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  toJSON(): Record<string, unknown> {
    return { scheduled: this.scheduled, failuresInARow: this.#failuresInARow };
  }

  [inspect.custom](): string {
    return `BackgroundRefresher ${inspect(this.toJSON())}`;
  }
}
