import {
  DEFAULT_RETRY_INITIAL_DELAY_MS,
  DEFAULT_RETRY_MAX_ATTEMPTS,
  DEFAULT_RETRY_MAX_DELAY_MS,
  DEFAULT_RETRY_MAX_RETRY_AFTER_SECONDS,
  DEFAULT_RETRY_TOTAL_DEADLINE_MS,
} from './token-options.defaults.js';
import type { ResolvedTokenRetryOptions, TokenRetryOptions } from './token-retry-options.interface.js';
import { numberInRange, type Report, reportUnknownKeys } from './option-checks.js';
import { optionNames, TOKEN_OPTION_TABLE } from './token-option-table.js';

/**
 * The `retry` option with its defaults; problems go to the one report of `validateTokenOptions`,
 * named `retry.<field>`.
 * @internal
 */
export function validateRetryOptions(value: unknown, report: Report): ResolvedTokenRetryOptions {
  const raw: Partial<TokenRetryOptions> & Record<string, unknown> = {};
  if (value !== undefined && value !== null) {
    if (typeof value !== 'object' || Array.isArray(value)) report('retry', 'must be an object');
    else Object.assign(raw, value);
  }
  reportUnknownKeys(raw, optionNames(TOKEN_OPTION_TABLE.retry), 'retry.', report);
  const maxAttempts = numberInRange(raw.maxAttempts, DEFAULT_RETRY_MAX_ATTEMPTS, 'retry.maxAttempts', 1, report);
  if (!Number.isInteger(maxAttempts)) report('retry.maxAttempts', 'must be a whole number');
  const initialDelayMs = numberInRange(raw.initialDelayMs, DEFAULT_RETRY_INITIAL_DELAY_MS, 'retry.initialDelayMs', 0, report);
  const maxDelayMs = numberInRange(raw.maxDelayMs, DEFAULT_RETRY_MAX_DELAY_MS, 'retry.maxDelayMs', 0, report);
  if (maxDelayMs < initialDelayMs) report('retry.maxDelayMs', 'must be at least retry.initialDelayMs');
  const maxRetryAfterSeconds = numberInRange(
    raw.maxRetryAfterSeconds,
    DEFAULT_RETRY_MAX_RETRY_AFTER_SECONDS,
    'retry.maxRetryAfterSeconds',
    0,
    report,
  );
  const totalDeadlineMs = numberInRange(raw.totalDeadlineMs, DEFAULT_RETRY_TOTAL_DEADLINE_MS, 'retry.totalDeadlineMs', 0, report);
  return { maxAttempts, initialDelayMs, maxDelayMs, maxRetryAfterSeconds, totalDeadlineMs };
}
