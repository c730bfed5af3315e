/**
 * How a refresh retries transient token-endpoint failures (network errors, timeouts, 5xx, 429).
 * A 400/401 answer (`invalid_client`, `invalid_scope`, ...) or a malformed token response is never retried.
 */
export interface TokenRetryOptions {
  /** Token requests per refresh, the first one included, default 4. `1` turns retries off. */
  maxAttempts?: number;
  /** Upper bound of the first retry's delay in milliseconds, default 200; doubles per retry (full jitter). */
  initialDelayMs?: number;
  /** Upper bound of any one backoff delay in milliseconds, default 5000. */
  maxDelayMs?: number;
  /** Longest `Retry-After` honoured in seconds, default 30; a longer one is shortened to this. */
  maxRetryAfterSeconds?: number;
  /** No retry starts later than this many milliseconds after the refresh began, default 30000. */
  totalDeadlineMs?: number;
}

/** Retry options with every default applied. @internal */
export type ResolvedTokenRetryOptions = Readonly<Required<TokenRetryOptions>>;
