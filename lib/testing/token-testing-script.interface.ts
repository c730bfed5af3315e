import type { Clock } from '../options/token-module-options.interface.js';

/** What a `TokenManagerMock` answers. */
export interface TokenTestingScript {
  /** The token every call returns (default `test-access-token`). Ignored when `tokens` is set. */
  readonly token?: string | undefined;
  /**
   * Tokens in order: the first is current, and each `invalidate()` of the current one moves to the
   * next, as a refresh would. The last one stays. Script `['expired', 'fresh']` for a 401 retry.
   */
  readonly tokens?: readonly string[] | undefined;
  /** Every `getAccessToken()` rejects with this error (e.g. a `TokenEndpointError`) until re-scripted. */
  readonly error?: Error | undefined;
  /** Lifetime reported by `getTokenInfo()` and in events, default 3600 s. */
  readonly expiresInSeconds?: number | undefined;
  /** Milliseconds clock of `now()`, `getTokenInfo()` and events, default `Date.now`. */
  readonly clock?: Clock | undefined;
}
