import { TokenEndpointError } from '../errors/token-endpoint.error.js';
import type { ResolvedTokenRetryOptions } from '../options/token-retry-options.interface.js';

/**
 * How long to wait before retry number `retry` (1 for the first retry) after `error`.
 *
 * Exponential backoff with full jitter (a uniform draw in `[0, min(maxDelayMs, initialDelayMs · 2^(retry-1)))`),
 * so a fleet that failed together does not retry together. A server's `Retry-After` is a floor, shortened
 * to `maxRetryAfterSeconds` so a hostile or broken header cannot park refreshes for hours.
 * @internal
 */
export function retryDelayMs(
  retry: number,
  error: unknown,
  options: ResolvedTokenRetryOptions,
  random: () => number = Math.random,
): number {
  const ceilingMs = Math.min(options.maxDelayMs, options.initialDelayMs * 2 ** (retry - 1));
  const backoffMs = Math.floor(random() * ceilingMs);
  return Math.max(backoffMs, retryAfterMs(error, options));
}

/** The server's `Retry-After` in milliseconds, capped at `maxRetryAfterSeconds`; 0 when it sent none. @internal */
export function retryAfterMs(error: unknown, options: ResolvedTokenRetryOptions): number {
  const seconds = error instanceof TokenEndpointError ? error.retryAfterSeconds : undefined;
  return seconds === undefined ? 0 : Math.min(seconds, options.maxRetryAfterSeconds) * 1000;
}
