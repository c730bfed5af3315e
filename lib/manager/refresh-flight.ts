import { defer, firstValueFrom, type Observable, shareReplay } from 'rxjs';
import type { CachedToken } from '../core/cached-token.js';
import { withTracedRequest } from '../core/current-traced-request.js';
import type { TracedRequest, TracedWait } from '../core/token-tracer.interface.js';
import { abortError } from '../internal/abort-error.js';
import { KeepAliveWhileWaiting } from '../internal/keep-alive-while-waiting.js';
import type { ResolvedTokenRetryOptions } from '../options/token-retry-options.interface.js';
import { retryAfterMs } from '../retry/retry-delay.js';
import { retryTransientFailures } from '../retry/retry-transient-failures.js';
import type { SourcedToken } from '../source/token-source.interface.js';
import type { TokenCache } from './token-cache.js';
import type { TokenLifecycleReporter } from './token-lifecycle.reporter.js';

/** What the refresh flight needs from the options. @internal */
export interface RefreshFlightSettings {
  readonly clock: () => number;
  readonly retry: ResolvedTokenRetryOptions;
  readonly failureCooldownMs: number;
}

/** One attempt at a token: a new one, or undefined when a stable-window verification confirmed the cached one. @internal */
export type TokenFetch = (signal: AbortSignal) => Promise<SourcedToken | undefined>;

/** The last refresh that failed for good, remembered for its cooldown. */
interface RefreshFailure {
  readonly error: unknown;
  /** Before this instant no new refresh starts and callers without a valid token get `error` at once. */
  readonly retryNotBeforeMs: number;
}

/**
 * The single flight: at most one refresh at a time, shared by every caller through `shareReplay`
 * without ref-counting, so a caller that stops waiting never cancels it for the others. Inside it,
 * transient failures are retried (`retryTransientFailures`), so N callers cause one token request at a
 * time. A refresh that fails for good starts the cooldown: until it ends no new refresh starts and
 * waiting callers get that error at once (the configured window, or the server's `Retry-After` when
 * longer). A refresh's token goes to the cache and is reported; module shutdown aborts it.
 * @internal
 */
export class RefreshFlight {
  readonly #settings: RefreshFlightSettings;
  readonly #cache: TokenCache;
  readonly #reporter: TokenLifecycleReporter;
  readonly #shutdown = new AbortController();
  /** Holds the process open while a caller waits on a refresh; a background refresh never does. */
  readonly #keepAlive = new KeepAliveWhileWaiting();
  #refresh$: Observable<string> | undefined;
  /** The span of the refresh in flight, which waits link to (undefined when nothing traces). */
  #traced: TracedRequest | undefined;
  #failure: RefreshFailure | undefined;

  constructor(settings: RefreshFlightSettings, cache: TokenCache, reporter: TokenLifecycleReporter) {
    this.#settings = settings;
    this.#cache = cache;
    this.#reporter = reporter;
  }

  /** Whether a refresh is running. */
  get inFlight(): boolean {
    return this.#refresh$ !== undefined;
  }

  /**
   * Joins the refresh in flight, or starts one with `fetch` unless the cooldown answers for it. `verified`
   * is the cached token a stable-window verification is about (it keeps its age when confirmed).
   */
  wait(fetch: TokenFetch, signal?: AbortSignal, verified?: CachedToken): Promise<string> {
    if (signal?.aborted) return Promise.reject(abortError(signal));
    if (this.#shutdown.signal.aborted) return Promise.reject(abortError(this.#shutdown.signal));
    // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors -- the failed refresh's own error, passed on unchanged
    if (this.#refresh$ === undefined && this.coolingDown()) return Promise.reject(this.#failure!.error);
    const refresh$ = this.#refresh$ ?? this.start(fetch, verified);
    const waiting = signal === undefined ? firstValueFrom(refresh$) : waitAbortably(refresh$, signal);
    return this.#keepAlive.hold(endsTrace(waiting, this.#reporter.traceWait(this.#traced)));
  }

  /**
   * Starts a refresh nobody waits for (refresh-ahead of a stale token), unless one runs or the cooldown forbids
   * it; true when it started one.
   */
  startInBackground(fetch: TokenFetch): boolean {
    if (this.#refresh$ !== undefined || this.coolingDown() || this.#shutdown.signal.aborted) return false;
    this.start(fetch);
    return true;
  }

  /** Module shutdown: aborts the refresh in flight and its retry waits; later waits reject with an `AbortError`. */
  close(): void {
    this.#shutdown.abort();
  }

  private coolingDown(): boolean {
    return this.#failure !== undefined && this.#settings.clock() < this.#failure.retryNotBeforeMs;
  }

  private start(fetch: TokenFetch, verified?: CachedToken): Observable<string> {
    // refCount: false keeps the request running when a waiter unsubscribes (abort, or done waiting).
    const refresh$ = defer(() => this.run(fetch, verified)).pipe(shareReplay({ bufferSize: 1, refCount: false }));
    this.#refresh$ = refresh$;
    // Connect now. A background refresh has no waiter: its failure is recorded in `run` and must not surface.
    refresh$.subscribe({ error: () => undefined });
    return refresh$;
  }

  /** Token requests with retries, then the cache or the cooldown. */
  private async run(fetch: TokenFetch, verified: CachedToken | undefined): Promise<string> {
    const { clock, retry } = this.#settings;
    const startedAtMs = clock();
    const traced = (this.#traced = this.#reporter.traceTokenRequest());
    let token: CachedToken;
    try {
      token = await retryTransientFailures((signal) => withTracedRequest(traced, () => this.attempt(fetch, signal, verified)), {
        options: retry,
        clock,
        signal: this.#shutdown.signal,
        onRetry: (scheduled) => {
          this.#reporter.retrying(scheduled);
          traced?.event('retry', {
            'retry.number': scheduled.retry,
            'retry.delay_ms': scheduled.delayMs,
            'error.type': errorClass(scheduled.error),
          });
        },
      });
    } catch (error) {
      this.#refresh$ = undefined;
      traced?.end('failure', error);
      this.recordFailure(error, startedAtMs);
      throw error;
    }
    traced?.end(token === verified ? 'verified' : 'success');
    // The refresh is forgotten before its result reaches any waiter, so a waiter that calls again starts anew.
    this.#refresh$ = undefined;
    this.#failure = undefined;
    if (token !== verified) {
      this.#cache.keep(token);
      this.#reporter.obtained(token);
    }
    return token.value;
  }

  /** One attempt. Expiry counts from when it was sent (or from when another instance sent it). */
  private async attempt(fetch: TokenFetch, signal: AbortSignal, verified?: CachedToken): Promise<CachedToken> {
    const sentAtMs = this.#settings.clock();
    const issued = await fetch(signal);
    // undefined: the stable-window verification confirmed the cached token, which keeps its age.
    if (issued === undefined) return verified!;
    this.#reporter.issued(issued);
    return this.#cache.admit(issued, issued.obtainedAtMs ?? sentAtMs);
  }

  /** Starts the cooldown: the configured window, or the server's `Retry-After` when that is longer. */
  private recordFailure(error: unknown, startedAtMs: number): void {
    if (this.#shutdown.signal.aborted) return;
    const now = this.#settings.clock();
    const cooldownMs = Math.max(this.#settings.failureCooldownMs, retryAfterMs(error, this.#settings.retry));
    this.#failure = { error, retryNotBeforeMs: now + cooldownMs };
    const cached = this.#cache.current;
    const servedUntilMs = cached !== undefined && now < cached.expiresAtMs ? cached.expiresAtMs : undefined;
    this.#reporter.refreshFailed(error, now - startedAtMs, cooldownMs, servedUntilMs);
  }
}

/** `waiting`, ending `trace` when it settles. */
function endsTrace<T>(waiting: Promise<T>, trace: TracedWait | undefined): Promise<T> {
  if (trace === undefined) return waiting;
  waiting.then(
    () => trace.end(),
    (error: unknown) => trace.end(error),
  );
  return waiting;
}

/** The class of an error, as a span may name it (never its message). */
function errorClass(error: unknown): string {
  return error instanceof Error ? error.name : 'Error';
}

/** Emits with `source`, unless `signal` fires first: then rejects this caller only; `source` goes on. */
function waitAbortably(source: Observable<string>, signal: AbortSignal): Promise<string> {
  return new Promise<string>((resolve, reject) => {
    const onAbort = () => {
      subscription.unsubscribe();
      reject(abortError(signal));
    };
    const settle = () => signal.removeEventListener('abort', onAbort);
    const subscription = source.subscribe({
      next: (value) => (settle(), resolve(value)),
      // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors -- the refresh's own error, passed on unchanged
      error: (error: unknown) => (settle(), reject(error)),
    });
    if (!subscription.closed) signal.addEventListener('abort', onAbort, { once: true });
  });
}
