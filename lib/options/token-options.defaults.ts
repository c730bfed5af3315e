/** Default proactive refresh margin, as in the SDK token managers this package grew from. */
export const DEFAULT_REFRESH_MARGIN_SECONDS = 300;
/** Lifetime assumed for a token response without `expires_in` (RFC 6749 leaves it to documentation). */
export const DEFAULT_EXPIRES_IN_SECONDS = 3600;
/** Deadline of one token request. */
export const DEFAULT_REQUEST_TIMEOUT_MS = 10_000;
/** The effective refresh margin never exceeds this fraction of a token's lifetime. */
export const MAX_MARGIN_FRACTION_OF_LIFETIME = 0.5;
/** Token responses larger than this are rejected unread. */
export const MAX_TOKEN_RESPONSE_BYTES = 1024 * 1024;
/** The fleet fetch lease outlives one token request by this much (default `storeLeaseMs` = `requestTimeoutMs` + this). */
export const STORE_LEASE_MARGIN_MS = 5_000;
