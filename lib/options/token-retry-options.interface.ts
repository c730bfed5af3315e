import type { Defaulted } from './defaulted.js';

/**
 * How a refresh retries transient token-endpoint failures (network errors, timeouts, 5xx, 429).
 * A 400/401 answer (`invalid_client`, `invalid_scope`, ...) or a malformed token response is never retried.
 */
export interface TokenRetryOptions {
  /** Token requests per refresh, the first one included, default 4. `1` turns retries off. */
  maxAttempts?: number | undefined;
  /** Upper bound of the first retry's delay in milliseconds, default 200; doubles per retry (full jitter). */
  initialDelayMs?: number | undefined;
  /** Upper bound of any one backoff delay in milliseconds, default 5000. */
  maxDelayMs?: number | undefined;
  /** Longest `Retry-After` honoured in seconds, default 30; a longer one is shortened to this. */
  maxRetryAfterSeconds?: number | undefined;
  /** No retry starts later than this many milliseconds after the refresh began, default 30000. */
  totalDeadlineMs?: number | undefined;
}

/** Retry options with every default applied. @internal */
export type ResolvedTokenRetryOptions = Defaulted<TokenRetryOptions>;
