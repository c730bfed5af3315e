import {
  type BeforeApplicationShutdown,
  Inject,
  Injectable,
  Logger,
  type OnApplicationShutdown,
  type OnModuleDestroy,
  type OnModuleInit,
  Optional,
} from '@nestjs/common';
import { inspect } from 'node:util';
import { defer, firstValueFrom, map, type Observable, of, shareReplay, Subject, tap } from 'rxjs';
import { DpopService } from '../dpop/dpop.service.js';
import { TokenEndpointClient } from '../endpoint/token-endpoint.client.js';
import type { IssuedToken } from '../endpoint/issued-token.interface.js';
import { TokenResponseError } from '../errors/token-response.error.js';
import { abortError } from '../internal/abort-error.js';
import { escapeControlCharacters } from '../internal/escape-control-characters.js';
import { isoInstant } from '../internal/iso-instant.js';
import { KeepAliveWhileWaiting } from '../internal/keep-alive-while-waiting.js';
import { urlForDisplay } from '../internal/url-for-display.js';
import { ResolvedTokenOptions } from '../options/resolved-token-options.js';
import { MAX_TOKEN_LIFETIME_SECONDS } from '../options/token-options.defaults.js';
import { retryAfterMs } from '../retry/retry-delay.js';
import { retryTransientFailures, type ScheduledRetry } from '../retry/retry-transient-failures.js';
import { createTokenSource } from '../source/create-token-source.js';
import type { TokenSource } from '../source/token-source.interface.js';
import { type LocalFetch, SharedTokenCoordinator } from '../store/shared-token.coordinator.js';
import { storeCommand } from '../store/store-command.js';
import { tokenCacheKey } from '../store/token-cache-key.js';
import { RESOLVED_TOKEN_OPTIONS, TOKEN_CLIENT_NAME, TOKEN_ENDPOINT_CLIENT } from '../token.internal-constants.js';
import { type CachedToken, cacheIssuedToken, isFresh, tokenPhase } from './cached-token.js';
import type { AccessTokenRequestOptions, TokenEvent } from './token-event.interface.js';
import type { TokenInfo } from './token-info.interface.js';

/** The last refresh that failed for good, remembered for its cooldown. */
interface RefreshFailure {
  readonly error: unknown;
  /** Before this instant no new refresh starts and callers without a valid token get `error` at once. */
  readonly retryNotBeforeMs: number;
}

/**
 * One attempt of a refresh: a new token, or undefined when a stable-window verification confirmed the
 * cached one. `obtainedAtMs` is set when the token was requested earlier (by another instance of a fleet).
 */
type TokenFetch = (signal: AbortSignal) => Promise<(IssuedToken & { readonly obtainedAtMs?: number }) | undefined>;

/**
 * Owns one client's access token: acquires it, caches it, refreshes it ahead of expiry and drops it
 * when a server rejects it. One instance per `TokenModule` registration.
 *
 * The lifecycle, by the injected clock (the phases are defined in `cached-token.ts`):
 * - **fresh**: served from memory, no I/O.
 * - **verify** (stable window, `stableAfterSeconds`): re-verified with the server, shared by all callers.
 * - **stale**: still served; one background refresh starts. If it fails, the token keeps being served
 *   until it expires, and the next refresh starts no earlier than the cooldown allows (stale-if-error).
 * - **expired or absent**: callers wait for the single shared refresh. A refresh that failed for good
 *   rejects its waiters with one error; during the cooldown later callers get that error at once.
 *
 * A refresh is one observable shared by every caller through `shareReplay` (without ref-counting, so a
 * caller that stops waiting never cancels it for the others); transient failures are retried inside it,
 * so N callers cause one token request at a time. Where tokens come from (gateway revoke-and-refetch,
 * session exchange) is the token source's business (lib/source).
 */
@Injectable()
export class TokenManagerService implements OnModuleInit, OnModuleDestroy, BeforeApplicationShutdown, OnApplicationShutdown {
  private readonly logger: Logger;
  /** The client name given to `TokenModule.forRoot({ name })`; undefined for the unnamed client. */
  readonly name: string | undefined;
  readonly #options: ResolvedTokenOptions;
  readonly #source: TokenSource;
  readonly #clock: () => number;
  readonly #events = new Subject<TokenEvent>();
  readonly #shutdown = new AbortController();
  /** Holds the process open while a caller waits on a refresh; a background refresh never does. */
  readonly #keepAlive = new KeepAliveWhileWaiting();
  readonly #cacheKey: string;
  /** Fleet-wide single-flight through the `store` option; undefined without a store. */
  readonly #fleet: SharedTokenCoordinator | undefined;
  #cached: CachedToken | undefined;
  /** The last token obtained, cached or not (`cache: false`): `tokenTypeOf` answers for it. */
  #lastObtained: CachedToken | undefined;
  #refresh$: Observable<string> | undefined;
  #failure: RefreshFailure | undefined;
  #tokensObtained = 0;

  /** Lifecycle events (acquired, refreshed, retrying, refresh_failed, invalidated, unauthorized_retry), without secrets. */
  readonly events$: Observable<TokenEvent> = this.#events.asObservable();

  constructor(
    @Inject(RESOLVED_TOKEN_OPTIONS) options: ResolvedTokenOptions,
    @Inject(TOKEN_ENDPOINT_CLIENT) endpoint: TokenEndpointClient,
    @Optional() @Inject(TOKEN_CLIENT_NAME) name?: string,
    @Optional() @Inject(DpopService) dpop?: DpopService,
  ) {
    const context = name === undefined ? 'TokenManager' : `TokenManager:${name}`;
    this.name = name;
    this.logger = new Logger(context);
    this.#options = options;
    this.#source = createTokenSource(options, endpoint, context);
    this.#clock = options.clock;
    this.#cacheKey = tokenCacheKey(options, dpop?.thumbprint);
    const { store, refreshMarginSeconds, storeLeaseMs: leaseMs, storeWaitMs: waitMs, requestTimeoutMs: commandTimeoutMs } = options;
    this.#fleet =
      store === undefined
        ? undefined
        : new SharedTokenCoordinator({
            store,
            key: this.#cacheKey,
            clock: this.#clock,
            refreshMarginSeconds,
            leaseMs,
            waitMs,
            commandTimeoutMs,
            logger: this.logger,
            onStoreAvailability: (available) =>
              this.#events.next({ type: available ? 'store_available' : 'store_unavailable', at: new Date(this.#clock()) }),
          });
  }

  /** The startup line: which client, which endpoint. */
  onModuleInit(): void {
    this.logger.log(describeClient(this.#options));
  }

  /**
   * Fingerprint of the settings that determine the token (token URL, client id, a hash of the secret,
   * scope, audience, resources, extra parameters, the DPoP key thumbprint): the key of shared token
   * stores. Holds no secret.
   */
  get cacheKey(): string {
    return this.#cacheKey;
  }

  /** A valid access token. A fresh cached token is returned without I/O or subscriptions. */
  getAccessToken(options?: AccessTokenRequestOptions): Promise<string> {
    const fresh = this.peekFreshToken();
    return fresh !== undefined ? Promise.resolve(fresh) : this.acquire(options?.signal);
  }

  /**
   * The cached token when it is fresh (usable without I/O and not yet due for refresh-ahead), else
   * undefined. For synchronous callers, such as the token interceptor's fast path; it never starts a
   * refresh, so anything that can wait should call `getAccessToken()`.
   */
  peekFreshToken(): string | undefined {
    const cached = this.#cached;
    return cached !== undefined && isFresh(cached, this.#clock()) ? cached.value : undefined;
  }

  /** The same as `getAccessToken()`, as an observable that emits one token and completes. */
  get accessToken$(): Observable<string> {
    return defer(() => {
      const fresh = this.peekFreshToken();
      return fresh !== undefined ? of(fresh) : this.acquire();
    });
  }

  /**
   * Drops the cached token. Given the token a server rejected, drops it only if it is still the
   * cached one, so a late 401 for an old token never discards a fresh one. With a `store`, the dropped
   * token is also deleted from it if it is still the shared one, and never taken from it again here.
   */
  invalidate(rejectedToken?: string): void {
    const cached = this.#cached;
    if (cached === undefined) return;
    if (rejectedToken !== undefined && rejectedToken !== cached.value) return;
    this.#cached = undefined;
    void this.#fleet?.invalidate(cached.value);
    this.logger.debug('Cached token invalidated');
    this.#events.next({ type: 'invalidated', at: new Date(this.#clock()) });
  }

  /**
   * For the HTTP layer after a 401: drops `rejectedToken` and returns a different token when the
   * server can give one. When the token endpoint hands back the rejected token (a gateway that caches
   * it), the token is revoked (with a revocation endpoint) and fetched once more. Concurrent calls for
   * the same rejected token share one renewal; with a `store`, so do the instances of a fleet (the
   * renewal goes through the store's lease). Session mode: rejects with `SessionTokenExpiredError`.
   */
  async renewRejected(rejectedToken: string, options?: AccessTokenRequestOptions): Promise<string> {
    this.invalidate(rejectedToken);
    const renew: TokenFetch = (signal) => this.fetchToken(signal, (fetchSignal) => this.#source.renewRejected(rejectedToken, fetchSignal));
    const cached = this.#cached;
    const phase = tokenPhase(cached, this.#clock());
    if (phase !== 'expired') return cached!.value;
    const joinedOther = this.#refresh$ !== undefined;
    const token = await this.waitForRefresh(options?.signal, renew);
    if (token !== rejectedToken || !joinedOther) return token;
    // We joined a plain refresh that returned the rejected token again: renew once, for everyone.
    this.invalidate(rejectedToken);
    return this.waitForRefresh(options?.signal, renew);
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

  /**
   * The `token_type` the IdP issued `token` with (`Bearer`, or `DPoP` for a sender-constrained token)
   * when it is the last token this manager obtained, else undefined. It tells the HTTP layer which
   * scheme the token it sends goes with, also under `cache: false`.
   */
  tokenTypeOf(token: string): string | undefined {
    const last = this.#lastObtained;
    return last !== undefined && last.value === token ? last.tokenType : undefined;
  }

  /** Now, by the manager's clock (the `clock` option), in ms since the epoch: observers measure expiry by it. */
  now(): number {
    return this.#clock();
  }

  /**
   * `revokeOnShutdown`: revokes the cached token (RFC 7009) when the application shuts down. With a
   * `store` the token is the fleet's: it is deleted from the store first (compare-and-delete), so no
   * instance adopts it once revoked, and those still holding it renew it once, through the lease.
   */
  async beforeApplicationShutdown(): Promise<void> {
    const cached = this.#cached;
    if (!this.#options.revokeOnShutdown || cached === undefined) return;
    this.#cached = undefined;
    await this.#fleet?.invalidate(cached.value);
    await this.#source.revokeQuietly(cached.value);
  }

  /**
   * Aborts the refresh in flight, its store commands and its retry waits (its waiters get an
   * `AbortError`; later calls reject with one).
   */
  async onModuleDestroy(): Promise<void> {
    this.#shutdown.abort();
    this.#events.complete();
  }

  /** Closes the token store, last (after `revokeOnShutdown` used it), within the store's deadline. */
  async onApplicationShutdown(): Promise<void> {
    const store = this.#options.store;
    if (store?.close !== undefined)
      await storeCommand(store, (open) => open.close!(), this.#options.requestTimeoutMs).catch(() => undefined);
  }

  private acquire(signal?: AbortSignal): Promise<string> {
    const now = this.#clock();
    const cached = this.#cached;
    switch (tokenPhase(cached, now)) {
      case 'fresh':
        return Promise.resolve(cached!.value);
      case 'verify':
        return this.waitForRefresh(signal, (flightSignal) => this.#source.verifyToken(cached!, flightSignal), cached);
      case 'stale':
        if (this.#refresh$ === undefined && !this.coolingDown(now) && !this.#shutdown.signal.aborted) this.startRefresh();
        return Promise.resolve(cached!.value);
      case 'expired':
        return this.waitForRefresh(signal);
    }
  }

  /** Joins the refresh in flight, or starts one with `fetch` unless the cooldown answers for it. */
  private waitForRefresh(signal?: AbortSignal, fetch?: TokenFetch, verified?: CachedToken): Promise<string> {
    if (signal?.aborted) return Promise.reject(abortError(signal));
    if (this.#shutdown.signal.aborted) return Promise.reject(abortError(this.#shutdown.signal));
    if (this.#refresh$ === undefined && this.coolingDown(this.#clock())) return Promise.reject(this.#failure!.error);
    const refresh$ = this.#refresh$ ?? this.startRefresh(fetch, verified);
    return this.#keepAlive.hold(signal === undefined ? firstValueFrom(refresh$) : waitAbortably(refresh$, signal));
  }

  private coolingDown(now: number): boolean {
    return this.#failure !== undefined && now < this.#failure.retryNotBeforeMs;
  }

  /** Starts the one shared refresh: token requests with retries, then the cache or the cooldown. */
  private startRefresh(fetch: TokenFetch = (signal) => this.fetchToken(signal), verified?: CachedToken): Observable<string> {
    const startedAtMs = this.#clock();
    const refresh$ = defer(() =>
      retryTransientFailures((signal) => this.requestToken(fetch, signal, verified), {
        options: this.#options.retry,
        clock: this.#clock,
        signal: this.#shutdown.signal,
        onRetry: (retry) => this.reportRetry(retry),
      }),
    ).pipe(
      // The refresh is forgotten before its result reaches any waiter, so a waiter that calls again starts anew.
      tap({
        next: (token) => {
          this.#refresh$ = undefined;
          this.#failure = undefined;
          if (token !== verified) this.store(token);
        },
        error: (error: unknown) => {
          this.#refresh$ = undefined;
          this.recordFailure(error, startedAtMs);
        },
      }),
      map((token) => token.value),
      // refCount: false keeps the request running when a waiter unsubscribes (abort, or done waiting).
      shareReplay({ bufferSize: 1, refCount: false }),
    );
    this.#refresh$ = refresh$;
    // Connect now. A background refresh has no waiter: its failure is recorded above and must not surface.
    refresh$.subscribe({ error: () => undefined });
    return refresh$;
  }

  /** A new token from the token source (`fetchLocally`), through the fleet's store when one is configured. */
  private async fetchToken(
    signal: AbortSignal,
    fetchLocally: LocalFetch = (fetchSignal) => this.#source.fetchToken(fetchSignal, this.#cached),
  ): Promise<IssuedToken & { readonly obtainedAtMs?: number }> {
    if (this.#fleet === undefined) return fetchLocally(signal);
    const { issued, obtainedAtMs } = await this.#fleet.obtain(fetchLocally, signal);
    return { ...issued, obtainedAtMs };
  }

  /** One attempt. Expiry counts from when it was sent; a token that arrives already expired is refused. */
  private async requestToken(fetch: TokenFetch, signal: AbortSignal, verified?: CachedToken): Promise<CachedToken> {
    const sentAtMs = this.#clock();
    const issued = await fetch(signal);
    // undefined: the stable-window verification confirmed the cached token, which keeps its age.
    if (issued === undefined) return verified!;
    const token = cacheIssuedToken(issued, issued.obtainedAtMs ?? sentAtMs, this.#options.refreshMarginSeconds, this.#options);
    if (issued.expiresInDefaulted) this.logger.debug('Token response has no expires_in: defaultExpiresInSeconds assumed');
    if (issued.expiresInCapped)
      this.logger.debug(`Token response's expires_in exceeds the longest lifetime believed: capped to ${MAX_TOKEN_LIFETIME_SECONDS} s`);
    if (this.#clock() >= token.expiresAtMs) {
      throw new TokenResponseError(200, `the token expired (expires_in ${issued.expiresInSeconds} s) before its response arrived`);
    }
    return token;
  }

  private store(token: CachedToken): void {
    // cache: false still shares the in-flight request, but keeps nothing for later calls.
    if (this.#options.cache) this.#cached = token;
    this.#lastObtained = token;
    const durationMs = this.#clock() - token.obtainedAtMs;
    const expiresInSeconds = (token.expiresAtMs - token.obtainedAtMs) / 1000;
    const type = this.#tokensObtained++ === 0 ? 'acquired' : 'refreshed';
    this.logger.debug(`Token ${type} in ${durationMs} ms, expires in ${expiresInSeconds} s, stale from ${isoInstant(token.refreshAtMs)}`);
    this.#events.next({ type, at: new Date(this.#clock()), durationMs, expiresInSeconds });
  }

  private reportRetry({ retry, delayMs, error }: ScheduledRetry): void {
    const { errorClass, errorMessage } = describeError(error);
    this.logger.debug(`Token request failed (${errorClass}: ${errorMessage}); retry ${retry} in ${delayMs} ms`);
    this.#events.next({ type: 'retrying', at: new Date(this.#clock()), retry, delayMs, errorClass, errorMessage });
  }

  /** Starts the cooldown: the configured window, or the server's `Retry-After` when that is longer. */
  private recordFailure(error: unknown, startedAtMs: number): void {
    if (this.#shutdown.signal.aborted) return;
    const now = this.#clock();
    const cooldownMs = Math.max(this.#options.failureCooldownMs, retryAfterMs(error, this.#options.retry));
    this.#failure = { error, retryNotBeforeMs: now + cooldownMs };
    const { errorClass, errorMessage } = describeError(error);
    const durationMs = now - startedAtMs;
    const cached = this.#cached;
    const fallback =
      cached !== undefined && now < cached.expiresAtMs
        ? `; serving the cached token until it expires at ${isoInstant(cached.expiresAtMs)}`
        : '';
    this.logger.warn(
      `Token refresh failed after ${durationMs} ms: ${errorClass}: ${errorMessage}; next attempt in ${cooldownMs} ms at the earliest${fallback}`,
    );
    this.#events.next({ type: 'refresh_failed', at: new Date(now), durationMs, errorClass, errorMessage });
  }

  toJSON(): Record<string, unknown> {
    const info = this.getTokenInfo();
    return {
      ...(this.name !== undefined ? { name: this.name } : {}),
      tokenUrl: urlForDisplay(this.#options.tokenUrl),
      clientId: this.#options.clientId,
      token: info ? { ...info, value: '[redacted]' } : null,
    };
  }

  [inspect.custom](): string {
    return `TokenManagerService ${inspect(this.toJSON())}`;
  }
}

/** The startup line: which client gets its tokens from which endpoint (never a secret or a query string). */
function describeClient({ clientId, tokenUrl, clientAuthMethod, sessionExchangeUrl }: ResolvedTokenOptions): string {
  const session =
    sessionExchangeUrl !== undefined ? `; session tokens from POST ${urlForDisplay(new URL(sessionExchangeUrl, tokenUrl).toString())}` : '';
  return `Client ${JSON.stringify(clientId)} gets its tokens from POST ${urlForDisplay(tokenUrl)} (${clientAuthMethod})${session}`;
}

/** Class and message of an error for log lines and events; control characters escaped, whoever wrote the message. */
function describeError(error: unknown): { errorClass: string; errorMessage: string } {
  const described =
    error instanceof Error ? { errorClass: error.name, errorMessage: error.message } : { errorClass: 'Error', errorMessage: String(error) };
  return { errorClass: escapeControlCharacters(described.errorClass), errorMessage: escapeControlCharacters(described.errorMessage) };
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
      error: (error: unknown) => (settle(), reject(error)),
    });
    if (!subscription.closed) signal.addEventListener('abort', onAbort, { once: true });
  });
}
