import { Inject, Injectable, Logger, type OnModuleDestroy } from '@nestjs/common';
import { inspect } from 'node:util';
import { defer, finalize, firstValueFrom, map, type Observable, of, shareReplay, Subject, tap } from 'rxjs';
import { abortError, TokenEndpointClient } from '../endpoint/token-endpoint.client.js';
import type { IssuedToken } from '../endpoint/issued-token.interface.js';
import { ResolvedTokenOptions } from '../options/resolved-token-options.js';
import { RESOLVED_TOKEN_OPTIONS, TOKEN_ENDPOINT_CLIENT } from '../token.internal-constants.js';
import { type CachedToken, cacheIssuedToken } from './cached-token.js';
import type { AccessTokenRequestOptions, TokenEvent } from './token-event.interface.js';
import type { TokenInfo } from './token-info.interface.js';

/**
 * Owns one client's access token: acquires it, caches it, refreshes it ahead of expiry and drops it
 * when a server rejects it. One instance per `TokenModule` registration.
 *
 * The lifecycle, by the injected clock:
 * - **fresh** (before `refreshAt`): served from memory, no I/O.
 * - **stale** (between `refreshAt` and `expiresAt`): still served; one background refresh starts.
 * - **expired or absent**: callers wait for the single in-flight token request (`shareReplay`),
 *   which N concurrent callers share. A failed request rejects its waiters and is not cached.
 */
@Injectable()
export class TokenManagerService implements OnModuleDestroy {
  private readonly logger = new Logger('TokenManager');
  readonly #options: ResolvedTokenOptions;
  readonly #endpoint: TokenEndpointClient;
  readonly #clock: () => number;
  readonly #events = new Subject<TokenEvent>();
  readonly #shutdown = new AbortController();
  #cached: CachedToken | undefined;
  #inFlight: Observable<string> | undefined;
  #tokensObtained = 0;

  /** Lifecycle events (acquired, refreshed, refresh_failed, invalidated, unauthorized_retry), without secrets. */
  readonly events$: Observable<TokenEvent> = this.#events.asObservable();

  constructor(
    @Inject(RESOLVED_TOKEN_OPTIONS) options: ResolvedTokenOptions,
    @Inject(TOKEN_ENDPOINT_CLIENT) endpoint: TokenEndpointClient,
  ) {
    this.#options = options;
    this.#endpoint = endpoint;
    this.#clock = options.clock;
  }

  /** A valid access token. A fresh cached token is returned without I/O or subscriptions. */
  getAccessToken(options?: AccessTokenRequestOptions): Promise<string> {
    const cached = this.#cached;
    if (cached !== undefined && this.#clock() < cached.refreshAtMs) return Promise.resolve(cached.value);
    return this.acquire(options?.signal);
  }

  /** The same as `getAccessToken()`, as an observable that emits one token and completes. */
  get accessToken$(): Observable<string> {
    return defer(() => {
      const cached = this.#cached;
      if (cached !== undefined && this.#clock() < cached.refreshAtMs) return of(cached.value);
      return this.acquire();
    });
  }

  /**
   * Drops the cached token. Given the token a server rejected, drops it only if it is still the
   * cached one, so a late 401 for an old token never discards a fresh one.
   */
  invalidate(rejectedToken?: string): void {
    const cached = this.#cached;
    if (cached === undefined) return;
    if (rejectedToken !== undefined && rejectedToken !== cached.value) return;
    this.#cached = undefined;
    this.logger.debug('Cached token invalidated');
    this.#events.next({ type: 'invalidated', at: new Date(this.#clock()) });
  }

  /**
   * Records that the token interceptor resent a request after a 401 (an `unauthorized_retry` event).
   * Called by `attachTokenInterceptor`; it changes no state.
   */
  recordUnauthorizedRetry(origin?: string): void {
    this.logger.debug(`Request${origin ? ` to ${origin}` : ''} got a 401 with the cached token; resent once with a new token`);
    this.#events.next({ type: 'unauthorized_retry', at: new Date(this.#clock()), ...(origin !== undefined ? { origin } : {}) });
  }

  /** Facts about the cached token (never its value), or null when none is cached. */
  getTokenInfo(): TokenInfo | null {
    const cached = this.#cached;
    if (cached === undefined) return null;
    return {
      obtainedAt: new Date(cached.obtainedAtMs),
      expiresAt: new Date(cached.expiresAtMs),
      refreshAt: new Date(cached.refreshAtMs),
      ...(cached.scope !== undefined ? { scope: cached.scope } : {}),
      tokenType: cached.tokenType,
    };
  }

  /** Now, by the manager's clock (the `clock` option), in ms since the epoch: observers measure expiry by it. */
  now(): number {
    return this.#clock();
  }

  /** Stops in-flight work; later calls reject with an `AbortError`. */
  onModuleDestroy(): void {
    this.#shutdown.abort();
    this.#events.complete();
  }

  private acquire(signal?: AbortSignal): Promise<string> {
    const cached = this.#cached;
    if (cached !== undefined && this.#clock() < cached.expiresAtMs) {
      this.refreshInBackground();
      return Promise.resolve(cached.value);
    }
    if (signal?.aborted) return Promise.reject(abortError(signal));
    if (signal === undefined) return firstValueFrom(this.sharedRefresh());
    return waitAbortably(this.sharedRefresh(), signal);
  }

  private refreshInBackground(): void {
    if (this.#inFlight !== undefined) return;
    // Failures are logged and reported as events by the shared refresh itself.
    this.sharedRefresh().subscribe({ error: () => undefined });
  }

  /** The one in-flight token request, shared by every caller until it settles. */
  private sharedRefresh(): Observable<string> {
    if (this.#inFlight !== undefined) return this.#inFlight;
    const sentAtMs = this.#clock();
    const flight$: Observable<string> = defer(() => this.#endpoint.requestToken(this.#shutdown.signal)).pipe(
      map((issued) => this.store(issued, sentAtMs)),
      tap({ error: (error: unknown) => this.reportFailure(error, sentAtMs) }),
      finalize(() => {
        if (this.#inFlight === flight$) this.#inFlight = undefined;
      }),
      // refCount: false, so a caller that stops waiting never cancels the request for the others.
      shareReplay({ bufferSize: 1, refCount: false }),
    );
    this.#inFlight = flight$;
    return flight$;
  }

  private store(issued: IssuedToken, sentAtMs: number): string {
    const token = cacheIssuedToken(issued, sentAtMs, this.#options.refreshMarginSeconds);
    this.#cached = token;
    const durationMs = this.#clock() - sentAtMs;
    const type = this.#tokensObtained++ === 0 ? 'acquired' : 'refreshed';
    this.logger.debug(
      `Token ${type} in ${durationMs} ms, expires in ${issued.expiresInSeconds} s` +
        `${issued.expiresInDefaulted ? ' (no expires_in: defaultExpiresInSeconds assumed)' : ''}, stale from ${new Date(token.refreshAtMs).toISOString()}`,
    );
    this.#events.next({ type, at: new Date(this.#clock()), durationMs, expiresInSeconds: issued.expiresInSeconds });
    return token.value;
  }

  private reportFailure(error: unknown, sentAtMs: number): void {
    const errorClass = error instanceof Error ? error.name : 'Error';
    const errorMessage = error instanceof Error ? error.message : String(error);
    const durationMs = this.#clock() - sentAtMs;
    this.logger.warn(`Token request failed after ${durationMs} ms: ${errorClass}: ${errorMessage}`);
    this.#events.next({ type: 'refresh_failed', at: new Date(this.#clock()), durationMs, errorClass, errorMessage });
  }

  toJSON(): Record<string, unknown> {
    const info = this.getTokenInfo();
    return { tokenUrl: this.#options.tokenUrl, clientId: this.#options.clientId, token: info ? { ...info, value: '[redacted]' } : null };
  }

  [inspect.custom](): string {
    return `TokenManagerService ${inspect(this.toJSON())}`;
  }
}

/** Resolves with the first value; the caller's abort rejects only this caller. */
function waitAbortably(source: Observable<string>, signal: AbortSignal): Promise<string> {
  return new Promise<string>((resolve, reject) => {
    const onAbort = () => {
      subscription.unsubscribe();
      reject(abortError(signal));
    };
    const subscription = source.subscribe({
      next: (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      error: (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    });
    if (!subscription.closed) signal.addEventListener('abort', onAbort, { once: true });
  });
}
