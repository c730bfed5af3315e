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
import { UNAUTHORIZED_RETRY_REPORTER } from '../core/unauthorized-retry-reporter.js';
import { callAsPromise } from '../internal/call-as-promise.js';
import { urlForDisplay } from '../internal/url-for-display.js';
import type { ResolvedTokenOptions } from '../options/resolved-token-options.js';
import type { TokenRequestParameters } from '../options/token-request-parameters.interface.js';
import { RESOLVED_TOKEN_OPTIONS, TOKEN_CLIENT_NAME } from '../core/injection-tokens.js';
import type { TokenCache } from './token-cache.js';
import { TokenEntries } from './token-entries.js';
import type { TokenEntry } from './token-entry.js';
import type { AccessTokenRequestOptions, TokenEvent } from './token-event.interface.js';
import type { TokenEntryInfo, TokenInfo } from './token-info.interface.js';
import { TokenLifecycleReporter } from './token-lifecycle.reporter.js';
import { TOKEN_CACHE_KEY } from './token-manager.tokens.js';
import { TokensForParameters } from './tokens-for-parameters.js';

/**
 * Owns one client's access token: acquires it, caches it, refreshes it ahead of expiry and drops it
 * when a server rejects it. One instance per `TokenModule` registration, a façade over collaborators
 * wired in `token-manager.providers.ts`: `TokenEntries` (one `TokenEntry` per parameter set: `TokenCache`,
 * whose phases are in `core/cached-token.ts`; `RefreshFlight`, the single flight with retries and cooldown;
 * the token source: gateway revoke-and-refetch, session exchange, fleet sharing) and
 * `TokenLifecycleReporter` (events, logs).
 */
@Injectable()
export class TokenManagerService implements OnModuleInit, OnModuleDestroy, BeforeApplicationShutdown, OnApplicationShutdown {
  /** The registration's own entry and its cache: the fast path of calls without parameters. */
  readonly #registered: TokenEntry;
  readonly #cache: TokenCache;

  /** Lifecycle events (acquired, refreshed, retrying, refresh_failed, invalidated, unauthorized_retry), without secrets. */
  readonly events$: Observable<TokenEvent>;

  constructor(
    @Inject(RESOLVED_TOKEN_OPTIONS) private readonly options: ResolvedTokenOptions,
    @Inject(TokenEntries) private readonly entries: TokenEntries,
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
    this.#registered = entries.registered;
    this.#cache = entries.registered.cache;
  }

  /** Logs the startup line: which client, which endpoint. */
  onModuleInit(): void {
    this.reporter.started(this.options);
  }

  /**
   * A valid access token. A fresh cached token is returned without I/O or subscriptions. With token
   * parameters (`scope`, `audience`, `resource`, `extraParams`), the token for those: each distinct set has
   * its own cached token (at most `maxCachedTokens`); invalid parameters reject with a `TokenConfigError`.
   * `forceRenewal` replaces the cached token once, shared by the callers asking for it meanwhile.
   */
  getAccessToken(request?: AccessTokenRequestOptions): Promise<string> {
    if (request === undefined) {
      const cache = this.#cache;
      return this.options.clock() < cache.freshUntilMs ? cache.settled! : this.#registered.acquire();
    }
    return this.entries.getAccessToken(request);
  }

  /**
   * The cached token while fresh (not due for refresh-ahead), else undefined: for synchronous callers; never
   * starts a refresh, never creates an entry for `parameters`.
   */
  peekFreshToken(parameters?: TokenRequestParameters): string | undefined {
    return this.entries.held(parameters)?.cache.peekFresh(this.options.clock());
  }

  /** The same as `getAccessToken()`, as an observable that emits one token and completes. */
  get accessToken$(): Observable<string> {
    return defer(() => {
      const fresh = this.peekFreshToken();
      return fresh !== undefined ? of(fresh) : this.#registered.acquire();
    });
  }

  /** Throws the `TokenConfigError` that `getAccessToken(parameters)` would reject with, its subject `where`. */
  checkParameters(parameters: TokenRequestParameters, where: string): void {
    this.entries.checkParameters(parameters, where);
  }

  /**
   * This manager seen through one parameter set: every call of the returned provider (`getAccessToken`,
   * `invalidate`, `renewRejected`, ...) is for `parameters`; request authorizers take it per API origin.
   */
  tokensFor(parameters: TokenRequestParameters): TokensForParameters {
    return new TokensForParameters(this, parameters);
  }

  /** The same as `getAccessToken(request)`, as an observable that emits one token and completes. */
  accessTokenFor$(request: AccessTokenRequestOptions): Observable<string> {
    return defer(() => this.getAccessToken(request));
  }

  /**
   * Drops the cached token; given the token a server rejected, only if it is still the cached one (a late 401
   * never discards a fresh token). With a `store`, the token is also deleted there if still shared, and never adopted again.
   * With `parameters`, the token for those.
   */
  invalidate(rejectedToken?: string, parameters?: TokenRequestParameters): void {
    this.entries.held(parameters)?.invalidate(rejectedToken);
  }

  /**
   * For the HTTP layer after a 401: drops `rejectedToken` and returns a different token when the server can
   * give one (gateway revoke-and-refetch when it hands back the same one). Concurrent calls for one rejected
   * token share one renewal, fleet-wide with a `store` (through its lease). Session mode: `SessionTokenExpiredError`.
   * With token parameters in `request`, only their entry is renewed.
   */
  renewRejected(rejectedToken: string, request?: AccessTokenRequestOptions): Promise<string> {
    return this.entries.renewRejected(rejectedToken, request);
  }

  /** The HTTP layer resent a request once after a 401 (an `unauthorized_retry` event of the parameters' entry); it changes no state. */
  [UNAUTHORIZED_RETRY_REPORTER](origin?: string, parameters?: TokenRequestParameters): void {
    (this.entries.held(parameters) ?? this.#registered).reportUnauthorizedRetry(origin);
  }

  /** Facts about the cached token (never its value), or null when none is cached; with `parameters`, the token for those. */
  getTokenInfo(parameters?: TokenRequestParameters): TokenInfo | null {
    return this.entries.held(parameters)?.cache.info() ?? null;
  }

  /** Every cached token of this client (the registration's first, then one per parameter set held, at most `maxCachedTokens`), labelled. */
  getTokenEntries(): TokenEntryInfo[] {
    return [...this.entries].map((entry) => entry.describe());
  }

  /** The cache entry of `parameters` (undefined: the registration's) when one is held, labelled; never creates one. */
  getTokenEntry(parameters?: TokenRequestParameters): TokenEntryInfo | null {
    return this.entries.held(parameters)?.describe() ?? null;
  }

  /**
   * The `token_type` (`Bearer`, or `DPoP` when sender-constrained) of `token` when it is the last token obtained
   * for any parameter set, else undefined: the HTTP layer's scheme for it, also under `cache: false`.
   */
  tokenTypeOf(token: string): string | undefined {
    return this.entries.tokenTypeOf(token);
  }

  /** Now, by the manager's clock (the `clock` option), in ms since the epoch: observers measure expiry by it. */
  now(): number {
    return this.options.clock();
  }

  /**
   * `revokeOnShutdown`: revokes every cached token (RFC 7009). With a `store` each is deleted there first
   * (compare-and-delete), so no instance adopts it once revoked; those holding it renew once, through the lease.
   */
  async beforeApplicationShutdown(): Promise<void> {
    if (this.options.revokeOnShutdown) await this.entries.revokeAll();
  }

  /** Aborts the refreshes in flight and their waits (their waiters get an `AbortError`; later calls reject with one). */
  onModuleDestroy(): Promise<void> {
    return callAsPromise(() => {
      this.entries.close();
      this.reporter.close();
    });
  }

  /** Closes the token store, last (after `revokeOnShutdown` used it), within the store's deadline. */
  async onApplicationShutdown(): Promise<void> {
    await this.#registered.source.close?.();
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
