import { inspect } from 'node:util';
import { type CachedToken, cacheIssuedToken, isFresh, type TokenCachePolicy } from '../core/cached-token.js';
import { TokenResponseError } from '../errors/token-response.error.js';
import type { SourcedToken } from '../source/token-source.interface.js';
import type { TokenInfo } from './token-info.interface.js';

/** What the cache needs from the options. @internal */
export interface TokenCacheSettings extends TokenCachePolicy {
  /** `cache: false` keeps nothing for later calls (the last token is still remembered for `tokenTypeOf`). */
  readonly cache: boolean;
  readonly refreshMarginSeconds: number;
  readonly clock: () => number;
}

/**
 * The one cached token of a client, and the last one obtained. When a token is stale, verified or
 * expired is decided in `core/cached-token.ts`; this holds the instance and its fast path: `freshUntilMs`
 * and `settled`, so a cached `getAccessToken()` costs one clock read, one comparison and a promise that
 * is already settled (the same one for every call while the token is fresh).
 * @internal
 */
export class TokenCache {
  readonly #settings: TokenCacheSettings;
  #current: CachedToken | undefined;
  #lastObtained: CachedToken | undefined;
  /** Before this instant `settled` holds the fresh cached token; -Infinity when none is known fresh. */
  freshUntilMs = Number.NEGATIVE_INFINITY;
  /** The fresh cached token, as a settled promise. */
  settled: Promise<string> | undefined;

  constructor(settings: TokenCacheSettings) {
    this.#settings = settings;
  }

  get current(): CachedToken | undefined {
    return this.#current;
  }

  /** The cached token when it is fresh at `nowMs` (served without I/O, not due for refresh), else undefined. */
  peekFresh(nowMs: number): string | undefined {
    if (nowMs < this.freshUntilMs) return this.#current!.value;
    const current = this.#current;
    if (current === undefined || !isFresh(current, nowMs)) return undefined;
    // Past its stable window the token stays fresh until it turns stale: the fast path may serve it.
    this.serveFast(current);
    return current.value;
  }

  /**
   * The cache entry of a token whose request was sent at `obtainedAtMs`. Refuses a token that expired
   * on its way (a slow response, or a clock that moved meanwhile).
   */
  admit(issued: SourcedToken, obtainedAtMs: number): CachedToken {
    const token = cacheIssuedToken(issued, obtainedAtMs, this.#settings.refreshMarginSeconds, this.#settings);
    if (this.#settings.clock() >= token.expiresAtMs) {
      throw new TokenResponseError(200, `the token expired (expires_in ${issued.expiresInSeconds} s) before its response arrived`);
    }
    return token;
  }

  /** Keeps a new token (when caching) and remembers it as the last one obtained. */
  keep(token: CachedToken): void {
    this.#lastObtained = token;
    if (!this.#settings.cache) return;
    this.#current = token;
    // A token in its stable window is re-verified before use: not for the fast path yet.
    if (token.verifyUntilMs === undefined) this.serveFast(token);
    else this.forgetFast();
  }

  /**
   * Drops the cached token and returns it; given the token a server rejected, only if it is still the
   * cached one (a late 401 for an old token never discards a fresh one).
   */
  drop(rejectedToken?: string): CachedToken | undefined {
    const current = this.#current;
    if (current === undefined || (rejectedToken !== undefined && rejectedToken !== current.value)) return undefined;
    this.#current = undefined;
    this.forgetFast();
    return current;
  }

  /** The `token_type` `token` was issued with, when it is the last token obtained. */
  tokenTypeOf(token: string): string | undefined {
    const last = this.#lastObtained;
    return last !== undefined && last.value === token ? last.tokenType : undefined;
  }

  /** Facts about the cached token (never its value), or null when none is cached. */
  info(): TokenInfo | null {
    const current = this.#current;
    if (current === undefined) return null;
    return {
      obtainedAt: new Date(current.obtainedAtMs),
      expiresAt: new Date(current.expiresAtMs),
      refreshAt: new Date(current.refreshAtMs),
      ...(current.scope !== undefined ? { scope: current.scope } : {}),
      tokenType: current.tokenType,
      ...(current.serverClockOffsetMs !== undefined ? { serverClockOffsetMs: current.serverClockOffsetMs } : {}),
    };
  }

  /** Facts only: `settled` holds the token. */
  toJSON(): TokenInfo | null {
    return this.info();
  }

  [inspect.custom](): string {
    return `TokenCache ${inspect(this.info())}`;
  }

  private serveFast(token: CachedToken): void {
    this.settled = Promise.resolve(token.value);
    this.freshUntilMs = token.refreshAtMs;
  }

  private forgetFast(): void {
    this.freshUntilMs = Number.NEGATIVE_INFINITY;
    this.settled = undefined;
  }
}
