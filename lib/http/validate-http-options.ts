import type { AxiosRequestConfig } from 'axios';
import type { RetryOn401, TokenHttpOptions } from '../options/token-http-options.interface.js';
import { resolveAllowedOrigins } from '../authorizer/origin-allowlist.js';
import { ResolvedHttpOptions } from '../options/resolved-http-options.js';
import { TOKEN_OPTION_DEFAULTS } from '../options/token-options.defaults.js';
import { type Report, requireHttpUrl } from '../options/option-checks.js';

/**
 * Validates the `http` option (part of `validateTokenOptions`, so its problems join the same
 * `TokenConfigError`). `http` absent means no authorized client was configured.
 * @internal
 */
export function validateHttpOptions(value: unknown, report: Report): ResolvedHttpOptions | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'object' || Array.isArray(value)) {
    report('http', 'must be an object of axios options (baseURL, allowedOrigins, timeout, ...)');
    return undefined;
  }
  const { allowedOrigins, global: _global, ...axiosConfig } = value as TokenHttpOptions & { global?: unknown };
  const baseURL = axiosConfig.baseURL === undefined ? undefined : requireHttpUrl(axiosConfig.baseURL, 'http.baseURL', report);
  const origins = resolveAllowedOrigins(
    baseURL,
    allowedOrigins,
    'http.',
    report,
    axiosConfig.baseURL !== undefined && baseURL === undefined,
  );
  if (hasAuthorizationHeader(axiosConfig.headers)) {
    report('http.headers', 'must not set Authorization: the module sets the Bearer token for allowed origins');
  }
  return new ResolvedHttpOptions(axiosConfig, origins);
}

/** Validates `retryOn401`, default true. @internal */
export function validateRetryOn401(value: unknown, report: Report): RetryOn401 {
  if (value === undefined || value === null) return TOKEN_OPTION_DEFAULTS.retryOn401;
  if (typeof value === 'boolean' || typeof value === 'function') return value as RetryOn401;
  report('retryOn401', 'must be a boolean or a function (error) => boolean');
  return TOKEN_OPTION_DEFAULTS.retryOn401;
}

function hasAuthorizationHeader(headers: AxiosRequestConfig['headers']): boolean {
  if (headers === undefined || headers === null || typeof headers !== 'object') return false;
  const sections = [
    headers,
    ...['common', 'get', 'post', 'put', 'patch', 'delete', 'head', 'options'].map((method) => (headers as Record<string, unknown>)[method]),
  ];
  return sections.some(
    (section) =>
      section !== null && typeof section === 'object' && Object.keys(section).some((name) => name.toLowerCase() === 'authorization'),
  );
}
