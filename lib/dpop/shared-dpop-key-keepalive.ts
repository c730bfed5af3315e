import type { Logger } from '@nestjs/common';
import { inspect } from 'node:util';
import { RateLimitedLog } from '../internal/rate-limited-log.js';
import { type ClaimSharedSecret, offerSharedDpopKey, storeFailureWithoutKeyMaterial } from './offer-shared-dpop-key.js';

/**
 * What one keep-alive found in the store:
 * - `held`: the store holds this instance's key (its life extended, or put back after it expired or was deleted);
 * - `other`: the store holds another key (rotated), or one this process cannot read; this instance keeps its own;
 * - `failed`: the store failed or did not answer in time (logged, rate-limited);
 * - `stopped`: the keep-alive was stopped (module closed); the store was not asked.
 * @internal
 */
export type SharedDpopKeyRefresh = 'held' | 'other' | 'failed' | 'stopped';

/** Every quarter of the key's TTL: three refreshes may fail in a row before the key can expire. */
const REFRESHES_PER_TTL = 4;
/** ±10 %, so the processes of a fleet started together do not all hit the store at the same moment. */
const JITTER = 0.1;

/** What a keep-alive needs: the store's claim, the key's name in the store and the exact JSON it holds. @internal */
export interface SharedDpopKeyKeepaliveOptions {
  readonly claimSharedSecret: ClaimSharedSecret;
  readonly storeKey: string;
  /** The private JWK of the shared key, exactly as the store returned it. Kept in a private field only. */
  readonly jwkJson: string;
  /** Public: logged to say which key this process keeps. */
  readonly thumbprint: string;
  readonly ttlMs: number;
  /** Deadline of one refresh (the module's `requestTimeoutMs`). */
  readonly timeoutMs: number;
  readonly logger: Logger;
  /** Schedules `run` after `ms` and returns how to cancel it; default an unref'd `setTimeout`. For tests. */
  readonly schedule?: (run: () => void, ms: number) => () => void;
  /** Uniform [0, 1) for the jitter; default `Math.random`. For tests. */
  readonly random?: () => number;
}

/**
 * Keeps the fleet's shared DPoP key alive in the token store while this module instance runs. The
 * store's TTL is otherwise extended only when a process starts and adopts the key, so a fleet that
 * starts no process for a TTL would lose it, and the next process (a scale-out) would generate
 * another key and get another token. Every `ttl / 4` (±10 %) this instance re-offers ITS OWN key
 * with `claimSharedSecret` (put-if-absent, extending what is held):
 *
 * - the store holds the same key: its life is extended;
 * - the key expired or was deleted: ours is stored again, so new processes adopt the running fleet's key;
 * - the store holds another key (someone rotated it): ours is kept, since the thumbprint is fixed for
 *   the module's life (it is part of the token cache key); one warning says so, until restart.
 *
 * A store failure is logged rate-limited, without key material, and never throws. The timer is
 * unref'd and cleared by `stop()` (the module's `onModuleDestroy`).
 * @internal
 */
export class SharedDpopKeyKeepalive {
  readonly #claimSharedSecret: ClaimSharedSecret;
  readonly #storeKey: string;
  readonly #jwkJson: string;
  readonly #thumbprint: string;
  readonly #ttlMs: number;
  readonly #timeoutMs: number;
  readonly #logger: Logger;
  readonly #failures: RateLimitedLog;
  readonly #schedule: (run: () => void, ms: number) => () => void;
  readonly #random: () => number;
  #cancel: (() => void) | undefined;
  #stopped = false;
  #warnedOther = false;

  constructor(options: SharedDpopKeyKeepaliveOptions) {
    this.#claimSharedSecret = options.claimSharedSecret;
    this.#storeKey = options.storeKey;
    this.#jwkJson = options.jwkJson;
    this.#thumbprint = options.thumbprint;
    this.#ttlMs = options.ttlMs;
    this.#timeoutMs = options.timeoutMs;
    this.#logger = options.logger;
    this.#failures = new RateLimitedLog(options.logger);
    this.#schedule = options.schedule ?? scheduleUnref;
    this.#random = options.random ?? Math.random;
  }

  /** Whether a refresh is scheduled (false before `start()` and after `stop()`). */
  get scheduled(): boolean {
    return this.#cancel !== undefined;
  }

  /** Schedules the periodic refresh; a no-op once stopped or already scheduled. */
  start(): void {
    if (this.#stopped || this.#cancel !== undefined) return;
    const base = this.#ttlMs / REFRESHES_PER_TTL;
    const delayMs = Math.round(base * (1 - JITTER + 2 * JITTER * this.#random()));
    this.#cancel = this.#schedule(() => {
      this.#cancel = undefined;
      // refresh() never rejects; the next one is scheduled once this one settled, so they never overlap.
      void this.refresh().then(() => this.start());
    }, delayMs);
  }

  /** Cancels the scheduled refresh; later refreshes do not ask the store. */
  stop(): void {
    this.#stopped = true;
    this.#cancel?.();
    this.#cancel = undefined;
  }

  /** Re-offers this instance's key once (what the timer runs). Never rejects. */
  async refresh(): Promise<SharedDpopKeyRefresh> {
    if (this.#stopped) return 'stopped';
    let stored: string | undefined;
    try {
      stored = await offerSharedDpopKey(this.#claimSharedSecret, this.#storeKey, this.#jwkJson, this.#ttlMs, this.#timeoutMs);
    } catch (error: unknown) {
      this.#failures.warn(
        `DPoP: could not keep the shared key alive in the token store (${storeFailureWithoutKeyMaterial(error, this.#jwkJson)}); this process keeps using it and tries again at the next keep-alive`,
      );
      return 'failed';
    }
    this.#failures.reset();
    if (stored === this.#jwkJson) return 'held';
    if (!this.#warnedOther) {
      this.#warnedOther = true;
      this.#logger.warn(
        `DPoP: the token store now holds another shared key (rotated, or unreadable here); this process keeps its key (thumbprint ${this.#thumbprint}) until it restarts, so it gets its own token`,
      );
    }
    return 'other';
  }

  toJSON(): Record<string, unknown> {
    return { thumbprint: this.#thumbprint, ttlMs: this.#ttlMs, scheduled: this.scheduled };
  }

  [inspect.custom](): string {
    return `SharedDpopKeyKeepalive ${inspect(this.toJSON())}`;
  }
}

/** An unref'd timer: keeping the key alive must never keep the process alive. */
function scheduleUnref(run: () => void, ms: number): () => void {
  const timer = setTimeout(run, ms);
  timer.unref();
  return () => clearTimeout(timer);
}
