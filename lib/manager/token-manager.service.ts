import { Inject, Injectable, Logger, type OnModuleDestroy } from '@nestjs/common';
import { inspect } from 'node:util';
import { defer, finalize, firstValueFrom, map, type Observable, of, shareReplay, Subject, tap } from 'rxjs';
import { abortError, TokenEndpointClient } from '../endpoint/token-endpoint.client.js';
import type { IssuedToken } from '../endpoint/issued-token.interface.js';
import { ResolvedTokenOptions } from '../options/resolved-token-options.js';
import { type ObtainedToken, SharedTokenCoordinator } from '../store/shared-token.coordinator.js';
import { tokenCacheKey } from '../store/token-cache-key.js';
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
  /** Fleet-wide single-flight through `options.store`; undefined without a store. */
  readonly #fleet: SharedTokenCoordinator | undefined;

  /** Lifecycle events (acquired, refreshed, refresh_failed, invalidated), without secrets. */
  readonly events$: Observable<TokenEvent> = this.#events.asObservable();

  constructor(
    @Inject(RESOLVED_TOKEN_OPTIONS) options: ResolvedTokenOptions,
    @Inject(TOKEN_ENDPOINT_CLIENT) endpoint: TokenEndpointClient,
  ) {
    this.#options = options;
    this.#endpoint = endpoint;
    this.#clock = options.clock;
    const { store, refreshMarginSeconds, storeLeaseMs: leaseMs, storeWaitMs: waitMs } = options;
    this.#fleet =
      store === undefined
        ? undefined
        : new SharedTokenCoordinator({ store, key: tokenCacheKey(options), clock: this.#clock, refreshMarginSeconds, leaseMs, waitMs, logger: this.logger });
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
    this.#fleet?.invalidate(cached.value);
    this.logger.debug('Cached token invalidated');
    this.#events.next({ type: 'invalidated', at: new Date(this.#clock()) });
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

  /** Stops in-flight work (later calls reject with an `AbortError`) and closes the token store. */
  async onModuleDestroy(): Promise<void> {
    this.#shutdown.abort();
    this.#events.complete();
    await this.#options.store?.close?.();
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
    const flight$: Observable<string> = defer(() => this.obtainToken(sentAtMs)).pipe(
      map(({ issued, obtainedAtMs }) => this.store(issued, obtainedAtMs, sentAtMs)),
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

  /** From the token endpoint, or through the fleet's store when one is configured. */
  private obtainToken(sentAtMs: number): Promise<ObtainedToken> {
    const fetchLocally = (signal: AbortSignal) => this.#endpoint.requestToken(signal);
    if (this.#fleet !== undefined) return this.#fleet.obtain(fetchLocally, this.#shutdown.signal);
    return fetchLocally(this.#shutdown.signal).then((issued) => ({ issued, obtainedAtMs: sentAtMs, source: 'endpoint' }));
  }

  private store(issued: IssuedToken, obtainedAtMs: number, sentAtMs: number): string {
    const token = cacheIssuedToken(issued, obtainedAtMs, this.#options.refreshMarginSeconds);
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
