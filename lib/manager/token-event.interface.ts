import type { TokenRequestParameters } from '../options/token-request-parameters.interface.js';
import type { TokenEntryLabel } from './token-entry-label.js';

/**
 * A token lifecycle event from `TokenManagerService.events$`. Carries no secret and no token. Events about
 * one cached token carry its `entry` (`id: 'default'` for the registration's parameters; see
 * `TokenEntryLabel`); store events concern the whole client.
 */
export type TokenEvent =
  | {
      /** `acquired`: the first token of this entry; `refreshed`: a later one. */
      readonly type: 'acquired' | 'refreshed';
      readonly at: Date;
      readonly entry: TokenEntryLabel;
      /** Duration of the token request. */
      readonly durationMs: number;
      readonly expiresInSeconds: number;
    }
  | {
      /** A token request failed transiently; the same refresh retries it after `delayMs`. */
      readonly type: 'retrying';
      readonly at: Date;
      readonly entry: TokenEntryLabel;
      /** 1 for the first retry. */
      readonly retry: number;
      readonly delayMs: number;
      readonly errorClass: string;
      readonly errorMessage: string;
    }
  | {
      /** A refresh failed for good (retries exhausted, or a non-transient error). */
      readonly type: 'refresh_failed';
      readonly at: Date;
      readonly entry: TokenEntryLabel;
      readonly durationMs: number;
      /** Class of the error, e.g. `TokenEndpointError`. */
      readonly errorClass: string;
      readonly errorMessage: string;
    }
  | {
      /** A refresh started by `refreshInBackground`'s timer ended (its `refreshed` or `refresh_failed` event came first). */
      readonly type: 'background_refresh';
      readonly at: Date;
      readonly entry: TokenEntryLabel;
      readonly outcome: 'success' | 'failure';
    }
  | {
      readonly type: 'invalidated';
      readonly at: Date;
      readonly entry: TokenEntryLabel;
    }
  | {
      /**
       * With a `store`: `store_unavailable` when it stops answering (this instance then fetches its own
       * tokens, at most one per refresh, until it answers again), `store_available` when it answers again.
       */
      readonly type: 'store_unavailable' | 'store_available';
      readonly at: Date;
    }
  | {
      /** A server answered 401 to a request carrying the token; a new token was obtained and the request resent once. */
      readonly type: 'unauthorized_retry';
      readonly at: Date;
      readonly entry: TokenEntryLabel;
      /** Origin (scheme://host:port) of the resent request, when known. */
      readonly origin?: string;
    };

/** Options of one `getAccessToken()` call: its token parameters (see `TokenRequestParameters`) and how to wait. */
export interface AccessTokenRequestOptions extends TokenRequestParameters {
  /** Aborts this caller's wait (rejecting it with an `AbortError`); the shared token request goes on. */
  readonly signal?: AbortSignal | undefined;
  /**
   * Replaces the cached token for these parameters once, even if it is fresh: the callers asking for it
   * meanwhile share that one renewal. With a `store`, the replaced token is deleted there too.
   */
  readonly forceRenewal?: boolean | undefined;
}
