import { defer, from, type Observable, Subject } from 'rxjs';
import { cacheIssuedToken, type CachedToken } from '../core/cached-token.js';
import { UNAUTHORIZED_RETRY_REPORTER } from '../core/unauthorized-retry-reporter.js';
import { callAsPromise } from '../internal/call-as-promise.js';
import { DEFAULT_TOKEN_ENTRY_ID, type TokenEntryLabel } from '../manager/token-entry-label.js';
import type { TokenEvent } from '../manager/token-event.interface.js';
import type { TokenEntryInfo, TokenInfo } from '../manager/token-info.interface.js';
import type { TokenRequestParameters } from '../options/token-request-parameters.interface.js';
import type { TokenManagerService } from '../manager/token-manager.service.js';
import { DEFAULT_REFRESH_MARGIN_SECONDS } from '../options/token-options.defaults.js';
import type { TokenTestingScript } from './token-testing-script.interface.js';

/** The mock has one token: the registration's entry. */
const DEFAULT_ENTRY: TokenEntryLabel = { id: DEFAULT_TOKEN_ENTRY_ID };

/** The token a mock returns when the script names none. */
export const DEFAULT_TEST_ACCESS_TOKEN = 'test-access-token';

/** The members of `TokenManagerService` an application uses. */
export type TokenManagerSurface = Pick<
  TokenManagerService,
  | 'getAccessToken'
  | 'accessToken$'
  | 'invalidate'
  | 'renewRejected'
  | 'getTokenInfo'
  | 'getTokenEntries'
  | 'getTokenEntry'
  | 'events$'
  | 'now'
>;

/**
 * A scripted stand-in for `TokenManagerService`: no IdP, no HTTP.
 * It counts calls, answers with scripted tokens or a scripted error, and emits the same events as the
 * real manager, so health and metrics providers work on top of it.
 *
 * ```ts
 * const tokens = createTokenManagerMock({ tokens: ['expired', 'fresh'] });
 * Test.createTestingModule({ imports: [AppModule] }).overrideProvider(TokenManagerService).useValue(tokens);
 * ```
 */
export class TokenManagerMock implements TokenManagerSurface {
  /** How many times `getAccessToken()` (or `accessToken$`) was called. */
  getAccessTokenCalls = 0;
  /** How many times `invalidate()` was called. */
  invalidateCalls = 0;
  /** The argument of each `invalidate()` call, in order. */
  readonly invalidatedTokens: (string | undefined)[] = [];

  readonly #events = new Subject<TokenEvent>();
  /** The same lifecycle events as the real manager, from the scripted answers. */
  readonly events$: Observable<TokenEvent> = this.#events.asObservable();
  #script!: TokenTestingScript;
  #tokens!: readonly string[];
  #index = 0;
  /** The last token handed out, timed by the real cache's rules (`refreshAt` clamped as the manager clamps it). */
  #issued: CachedToken | undefined;
  readonly #failures: Error[] = [];

  constructor(script: TokenTestingScript = {}) {
    this.script(script);
  }

  /** Replaces the script: back to its first token, the cached token forgotten. Counters are kept. */
  script(script: TokenTestingScript): void {
    this.#script = script;
    this.#tokens = script.tokens && script.tokens.length > 0 ? script.tokens : [script.token ?? DEFAULT_TEST_ACCESS_TOKEN];
    this.#index = 0;
    this.#issued = undefined;
  }

  /** The next `getAccessToken()` call rejects with `error`; later calls follow the script again. */
  failNext(error: Error): void {
    this.#failures.push(error);
  }

  /** Sets the counters back to zero. */
  resetCalls(): void {
    this.getAccessTokenCalls = 0;
    this.invalidateCalls = 0;
    this.invalidatedTokens.length = 0;
  }

  /** The token the next `getAccessToken()` returns (when no error is scripted). */
  get currentToken(): string {
    return this.#tokens[this.#index];
  }

  /** Counts the call, then rejects with a queued or scripted error, or returns the current token. */
  getAccessToken(): Promise<string> {
    return callAsPromise(() => {
      this.getAccessTokenCalls += 1;
      const error = this.#failures.shift() ?? this.#script.error;
      if (error) {
        this.#events.next({
          type: 'refresh_failed',
          at: new Date(this.now()),
          entry: DEFAULT_ENTRY,
          durationMs: 0,
          errorClass: error.name,
          errorMessage: error.message,
        });
        throw error;
      }
      const value = this.currentToken;
      if (this.#issued?.value !== value) {
        const type = this.#issued === undefined && this.#index === 0 ? 'acquired' : 'refreshed';
        this.#issued = cacheIssuedToken(
          { accessToken: value, tokenType: 'Bearer', expiresInSeconds: this.expiresInSeconds, expiresInDefaulted: false },
          this.now(),
          DEFAULT_REFRESH_MARGIN_SECONDS,
        );
        this.#events.next({ type, at: new Date(this.now()), entry: DEFAULT_ENTRY, durationMs: 0, expiresInSeconds: this.expiresInSeconds });
      }
      return value;
    });
  }

  /** `getAccessToken()` as an observable (counted the same way). */
  get accessToken$(): Observable<string> {
    return defer(() => from(this.getAccessToken()));
  }

  /** Counts the call; dropping the current token (or no token named) moves the script to its next token. */
  invalidate(rejectedToken?: string): void {
    this.invalidateCalls += 1;
    this.invalidatedTokens.push(rejectedToken);
    if (rejectedToken !== undefined && rejectedToken !== this.currentToken) return;
    if (this.#index < this.#tokens.length - 1) this.#index += 1;
    this.#issued = undefined;
    this.#events.next({ type: 'invalidated', at: new Date(this.now()), entry: DEFAULT_ENTRY });
  }

  /** The real manager's 401 path: `invalidate(rejectedToken)`, then the next scripted token. */
  renewRejected(rejectedToken: string): Promise<string> {
    this.invalidate(rejectedToken);
    return this.getAccessToken();
  }

  /** Emits the `unauthorized_retry` event when the interceptor resends after a 401, as the real manager does. @internal */
  [UNAUTHORIZED_RETRY_REPORTER](): void {
    this.#events.next({ type: 'unauthorized_retry', at: new Date(this.now()), entry: DEFAULT_ENTRY });
  }

  /** Facts about the last token handed out, or null before the first one and after `invalidate()`. */
  getTokenInfo(): TokenInfo | null {
    const issued = this.#issued;
    if (issued === undefined) return null;
    return {
      obtainedAt: new Date(issued.obtainedAtMs),
      expiresAt: new Date(issued.expiresAtMs),
      refreshAt: new Date(issued.refreshAtMs),
      tokenType: issued.tokenType,
    };
  }

  /**
   * The provider of per-request token parameters (`tokenParameters` on an axios request or a fetch call): the mock
   * itself, which has one scripted token for every parameter set, so requests naming parameters are served too.
   */
  tokensFor(): this {
    return this;
  }

  /** The mock's one cache entry, the registration's. */
  getTokenEntries(): TokenEntryInfo[] {
    return [{ entry: DEFAULT_ENTRY, token: this.getTokenInfo() }];
  }

  /** The registration's entry; the mock has none for per-call parameters. */
  getTokenEntry(parameters?: TokenRequestParameters): TokenEntryInfo | null {
    return parameters === undefined ? this.getTokenEntries()[0] : null;
  }

  /** Now, by the scripted clock. */
  now(): number {
    return (this.#script.clock ?? Date.now)();
  }

  /** Completes `events$`, as the real manager does on module destroy. */
  onModuleDestroy(): void {
    this.#events.complete();
  }

  private get expiresInSeconds(): number {
    return this.#script.expiresInSeconds ?? 3600;
  }
}

/** A `TokenManagerMock` answering with `script`; pass it to `overrideProvider(TokenManagerService).useValue(...)`. */
export function createTokenManagerMock(script: TokenTestingScript = {}): TokenManagerMock {
  return new TokenManagerMock(script);
}
