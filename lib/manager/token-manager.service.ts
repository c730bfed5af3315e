import {
  type BeforeApplicationShutdown,
  Inject,
  Injectable,
  type OnApplicationShutdown,
  type OnModuleDestroy,
  type OnModuleInit,
  Optional,
} from '@nestjs/common';
import { inspect } from 'node:util';
import { defer, type Observable, of } from 'rxjs';
import { tokenPhase } from '../core/cached-token.js';
import { UNAUTHORIZED_RETRY_REPORTER } from '../core/unauthorized-retry-reporter.js';
import { callAsPromise } from '../internal/call-as-promise.js';
import { urlForDisplay } from '../internal/url-for-display.js';
import type { ResolvedTokenOptions } from '../options/resolved-token-options.js';
import type { TokenSource } from '../source/token-source.interface.js';
import { RESOLVED_TOKEN_OPTIONS, TOKEN_CLIENT_NAME } from '../core/injection-tokens.js';
import { RefreshFlight, type TokenFetch } from './refresh-flight.js';
import { TokenCache } from './token-cache.js';
import type { AccessTokenRequestOptions, TokenEvent } from './token-event.interface.js';
import type { TokenInfo } from './token-info.interface.js';
import { TokenLifecycleReporter } from './token-lifecycle.reporter.js';
import { TOKEN_CACHE_KEY, TOKEN_SOURCE } from './token-manager.tokens.js';

/**
 * Owns one client's access token: acquires it, caches it, refreshes it ahead of expiry and drops it
 * when a server rejects it. One instance per `TokenModule` registration, a façade over collaborators
 * wired in `token-manager.providers.ts`: `TokenCache` (phases in `core/cached-token.ts`: fresh, verify,
 * stale, expired), `RefreshFlight` (single flight, retries, cooldown), the token source (gateway
 * revoke-and-refetch, session exchange, fleet sharing) and `TokenLifecycleReporter` (events, logs).
 */
@Injectable()
export class TokenManagerService implements OnModuleInit, OnModuleDestroy, BeforeApplicationShutdown, OnApplicationShutdown {
  readonly #fetchNew: TokenFetch = (signal) => this.source.fetchToken(signal, this.cache.current);

  /** Lifecycle events (acquired, refreshed, retrying, refresh_failed, invalidated, unauthorized_retry), without secrets. */
  readonly events$: Observable<TokenEvent>;

  constructor(
    @Inject(RESOLVED_TOKEN_OPTIONS) private readonly options: ResolvedTokenOptions,
    @Inject(TOKEN_SOURCE) private readonly source: TokenSource,
    @Inject(TokenCache) private readonly cache: TokenCache,
    @Inject(RefreshFlight) private readonly flight: RefreshFlight,
    @Inject(TokenLifecycleReporter) private readonly reporter: TokenLifecycleReporter,
    /**
     * Fingerprint of the settings that determine the token (token URL, client id, secret hash, scope, audience,
     * resources, extra parameters, DPoP key thumbprint): the key of shared token stores. Holds no secret.
     */
    @Inject(TOKEN_CACHE_KEY) readonly cacheKey: string,
    /** The client name given to `TokenModule.forRoot({ name })`; undefined for the unnamed client. */
    @Optional() @Inject(TOKEN_CLIENT_NAME) readonly name?: string,
  ) {
    this.events$ = reporter.events$;
  }

  /** Logs the startup line: which client, which endpoint. */
  onModuleInit(): void {
    this.reporter.started(this.options);
  }

  /** A valid access token. A fresh cached token is returned without I/O or subscriptions. */
  getAccessToken(options?: AccessTokenRequestOptions): Promise<string> {
    const cache = this.cache;
    return this.options.clock() < cache.freshUntilMs ? cache.settled! : this.acquire(options?.signal);
  }

  /** The cached token while fresh (not due for refresh-ahead), else undefined: for synchronous callers; never starts a refresh. */
  peekFreshToken(): string | undefined {
    return this.cache.peekFresh(this.options.clock());
  }

  /** The same as `getAccessToken()`, as an observable that emits one token and completes. */
  get accessToken$(): Observable<string> {
    return defer(() => {
      const fresh = this.peekFreshToken();
      return fresh !== undefined ? of(fresh) : this.acquire();
    });
  }

  /**
   * Drops the cached token; given the token a server rejected, only if it is still the cached one (a late 401
   * never discards a fresh token). With a `store`, the token is also deleted there if still shared, and never adopted again.
   */
  invalidate(rejectedToken?: string): void {
    const dropped = this.cache.drop(rejectedToken);
    if (dropped === undefined) return;
    void this.source.discard?.(dropped.value);
    this.reporter.invalidated();
  }

  /**
   * For the HTTP layer after a 401: drops `rejectedToken` and returns a different token when the server can
   * give one (gateway revoke-and-refetch when it hands back the same one). Concurrent calls for one rejected
   * token share one renewal, fleet-wide with a `store` (through its lease). Session mode: `SessionTokenExpiredError`.
   */
  async renewRejected(rejectedToken: string, options?: AccessTokenRequestOptions): Promise<string> {
    this.invalidate(rejectedToken);
    const cached = this.cache.current;
    if (tokenPhase(cached, this.options.clock()) !== 'expired') return cached!.value;
    const renew: TokenFetch = (signal) => this.source.renewRejected(rejectedToken, signal);
    const joinedOther = this.flight.inFlight;
    const token = await this.flight.wait(renew, options?.signal);
    if (token !== rejectedToken || !joinedOther) return token;
    // We joined a plain refresh that returned the rejected token again: renew once, for everyone.
    this.invalidate(rejectedToken);
    return this.flight.wait(renew, options?.signal);
  }

  /** The HTTP layer resent a request once after a 401 (an `unauthorized_retry` event); it changes no state. */
  [UNAUTHORIZED_RETRY_REPORTER](origin?: string): void {
    this.reporter.unauthorizedRetry(origin);
  }

  /** Facts about the cached token (never its value), or null when none is cached. */
  getTokenInfo(): TokenInfo | null {
    return this.cache.info();
  }

  /**
   * The `token_type` (`Bearer`, or `DPoP` when sender-constrained) of `token` when it is the last token obtained,
   * else undefined: the HTTP layer's scheme for it, also under `cache: false`.
   */
  tokenTypeOf(token: string): string | undefined {
    return this.cache.tokenTypeOf(token);
  }

  /** Now, by the manager's clock (the `clock` option), in ms since the epoch: observers measure expiry by it. */
  now(): number {
    return this.options.clock();
  }

  /**
   * `revokeOnShutdown`: revokes the cached token (RFC 7009). With a `store` it is deleted there first
   * (compare-and-delete), so no instance adopts it once revoked; those holding it renew once, through the lease.
   */
  async beforeApplicationShutdown(): Promise<void> {
    if (!this.options.revokeOnShutdown) return;
    const dropped = this.cache.drop();
    if (dropped === undefined) return;
    await this.source.discard?.(dropped.value);
    await this.source.revokeQuietly(dropped.value);
  }

  /** Aborts the refresh in flight and its waits (its waiters get an `AbortError`; later calls reject with one). */
  onModuleDestroy(): Promise<void> {
    return callAsPromise(() => {
      this.flight.close();
      this.reporter.close();
    });
  }

  /** Closes the token store, last (after `revokeOnShutdown` used it), within the store's deadline. */
  async onApplicationShutdown(): Promise<void> {
    await this.source.close?.();
  }

  private acquire(signal?: AbortSignal): Promise<string> {
    const cached = this.cache.current;
    switch (tokenPhase(cached, this.options.clock())) {
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

  toJSON(): Record<string, unknown> {
    const info = this.getTokenInfo();
    const { tokenUrl, clientId } = this.options;
    const token = info ? { ...info, value: '[redacted]' } : null;
    return { ...(this.name !== undefined ? { name: this.name } : {}), tokenUrl: urlForDisplay(tokenUrl), clientId, token };
  }

  [inspect.custom](): string {
    return `TokenManagerService ${inspect(this.toJSON())}`;
  }
}
