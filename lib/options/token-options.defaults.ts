import type { TokenModuleOptions } from './token-module-options.interface.js';

export { MAX_MARGIN_FRACTION_OF_LIFETIME, MAX_TOKEN_LIFETIME_SECONDS } from '../core/token-lifetime-bounds.js';

/** Default proactive refresh margin, as in the SDK token managers this package grew from. */
export const DEFAULT_REFRESH_MARGIN_SECONDS = 300;
/** Lifetime assumed for a token response without `expires_in` (RFC 6749 leaves it to documentation). */
export const DEFAULT_EXPIRES_IN_SECONDS = 3600;
/** Deadline of one token request. */
export const DEFAULT_REQUEST_TIMEOUT_MS = 10_000;
/** Token responses larger than this are rejected unread. */
export const MAX_TOKEN_RESPONSE_BYTES = 1024 * 1024;
/** Token requests per refresh, the first included: one try plus three retries of a transient failure. */
export const DEFAULT_RETRY_MAX_ATTEMPTS = 4;
/** Upper bound of the first retry's jittered delay; it doubles with each retry. */
export const DEFAULT_RETRY_INITIAL_DELAY_MS = 200;
/** Upper bound of any one backoff delay. */
export const DEFAULT_RETRY_MAX_DELAY_MS = 5_000;
/** Longest `Retry-After` we honour; a longer one is shortened to this. */
export const DEFAULT_RETRY_MAX_RETRY_AFTER_SECONDS = 30;
/** No retry starts later than this after the refresh began. */
export const DEFAULT_RETRY_TOTAL_DEADLINE_MS = 30_000;
/** After a refresh fails for good, callers without a valid token get that error at once for this long. */
export const DEFAULT_FAILURE_COOLDOWN_MS = 2_000;
/** The fleet fetch lease outlives the slowest fetch by this much (see `defaultStoreLeaseMs`). */
export const STORE_LEASE_MARGIN_MS = 5_000;

/**
 * Default `storeLeaseMs`: the worst case of one fetch under the lease, each request allowed
 * `requestTimeoutMs`, plus `STORE_LEASE_MARGIN_MS`. A fetch is one token request; with revoke-and-refetch
 * up to three (the request, the refetch of an aging token, the refetch of a rejected one) and two
 * revocations between them; with DPoP each token request may be sent twice (RFC 9449 §8 nonce).
 */
export function defaultStoreLeaseMs(requestTimeoutMs: number, revokeAgingTokens: boolean, dpop: boolean): number {
  const tokenRequests = (revokeAgingTokens ? 3 : 1) * (dpop ? 2 : 1);
  const revocations = revokeAgingTokens ? 2 : 0;
  return (tokenRequests + revocations) * requestTimeoutMs + STORE_LEASE_MARGIN_MS;
}

/**
 * The default of every top-level option that has a fixed one, written once: the validators apply them,
 * and the resolved options' types derive from this list (`ResolvedTokenSettings`). Defaults computed
 * from other options (`storeLeaseMs`, `storeWaitMs`) and those of nested options (`retry`, `dpop`,
 * `privateKeyJwt`) live with their validators.
 */
export const TOKEN_OPTION_DEFAULTS = {
  clientAuthMethod: 'client_secret_basic',
  refreshMarginSeconds: DEFAULT_REFRESH_MARGIN_SECONDS,
  defaultExpiresInSeconds: DEFAULT_EXPIRES_IN_SECONDS,
  requestTimeoutMs: DEFAULT_REQUEST_TIMEOUT_MS,
  failureCooldownMs: DEFAULT_FAILURE_COOLDOWN_MS,
  maxCachedTokens: 100,
  clock: Date.now,
  cache: true,
  stableAfterSeconds: 0,
  revokeOnShutdown: false,
  retryOn401: true,
  warmUp: 'off',
  refreshInBackground: false,
  allowHttpDiscoveredEndpoints: false,
} as const satisfies { readonly [K in keyof TokenModuleOptions]?: NonNullable<TokenModuleOptions[K]> };
