/** Name of the meter the metrics are recorded on when no `TOKEN_METER` is provided. */
export const TOKEN_METER_NAME = 'nestjs-client-credentials';
/** DI token of an OpenTelemetry `Meter` to record on instead of the global one (optional). */
export const TOKEN_METER = Symbol('TOKEN:METER');

/**
 * Attributes naming the cached token a measurement is about, on every metric but the store gauge: the
 * entry's `id` (`default` for the registration's parameters) and its resource's origin when it has one
 * (see `TokenEntryLabel`). Per-call parameter sets add one series each, at most `maxCachedTokens` at a time.
 */
export const TOKEN_METRIC_ATTRIBUTES = {
  entry: 'token.entry',
  resourceOrigin: 'token.resource_origin',
} as const;

/** Metric names. Durations and expiry are in seconds, as the OpenTelemetry conventions recommend. */
export const TOKEN_METRICS = {
  /** Counter of token requests; attributes `outcome` (`success` | `failure`) and, on failure, `error.type`. */
  requests: 'oauth2.client.token.requests',
  /** Histogram of token request durations in seconds; attribute `outcome`. */
  requestDuration: 'oauth2.client.token.request.duration',
  /**
   * Observable gauge of the seconds until each cached token expires: the registration's (0 once expired), and each
   * per-call token while it is valid (one nobody asks for lapses by design). Nothing observed for an entry holding none.
   */
  secondsToExpiry: 'oauth2.client.token.seconds_to_expiry',
  /**
   * Observable gauge of the token server's clock minus this host's, in seconds, estimated from the last token
   * response (`TokenInfo.serverClockOffsetMs`); nothing observed when unknown.
   */
  serverClockOffset: 'oauth2.client.token.server_clock_offset',
  /** Counter of refreshes started by `refreshInBackground`'s timer; attribute `outcome` (`success` | `failure`). */
  backgroundRefreshes: 'oauth2.client.token.background_refreshes',
  /** Counter of requests retried once after a 401 with a fresh token (the entry attributes name the renewed token). */
  unauthorizedRetries: 'oauth2.client.unauthorized_retries',
  /**
   * Observable gauge, with a `store`: 1 while it does not answer and this instance fetches its own
   * tokens, 0 once it answers again (nothing observed before the store's first outage).
   */
  storeDegraded: 'oauth2.client.token.store.degraded',
} as const;
