import type { AxiosError, AxiosInstance } from 'axios';
import type { AccessTokenProvider } from '../authorizer/access-token-provider.js';
import { credentialSchemeFor } from '../authorizer/dpop-credential-scheme.js';
import { OriginAllowlist, resolveAllowedOrigins } from '../authorizer/origin-allowlist.js';
import { RequestAuthorizer } from '../authorizer/request-authorizer.js';
import { TokenConfigError, type TokenConfigProblem } from '../errors/token-config.error.js';
import { validateRetryOn401 } from './validate-http-options.js';
import type { AxiosAnswer } from './axios-request-views.js';
import type { TokenInterceptorOptions } from './http-options.interface.js';
import { tokenFreeView } from './token-free-error.js';

/** The authorizer of an axios instance, and its allowlist (the dispatch guard resolves origins the way axios does). @internal */
export interface AxiosRequestAuthorizer {
  readonly allowlist: OriginAllowlist;
  readonly authorizer: RequestAuthorizer<AxiosAnswer<AxiosError>>;
}

/**
 * The authorizer for `attachTokenInterceptor(instance, tokens, options)`: the allowlist from
 * `allowedOrigins` and the instance's `defaults.baseURL`, the scheme from `dpop`, and `retryOn401`,
 * whose predicate sees the error without our token.
 * @throws TokenConfigError when no allowlist can be built or `retryOn401` is invalid.
 * @internal
 */
export function axiosRequestAuthorizer(
  instance: AxiosInstance,
  tokens: AccessTokenProvider,
  options: TokenInterceptorOptions,
): AxiosRequestAuthorizer {
  const problems: TokenConfigProblem[] = [];
  const report = (field: string, message: string) => problems.push({ field, message });
  const baseURL = typeof instance.defaults.baseURL === 'string' ? instance.defaults.baseURL : undefined;
  const origins = resolveAllowedOrigins(baseURL, options.allowedOrigins, '', report);
  const retryOn401 = validateRetryOn401(options.retryOn401, report);
  if (options.onUnauthorizedRetry !== undefined && typeof options.onUnauthorizedRetry !== 'function') {
    report('onUnauthorizedRetry', 'must be a function of the origin');
  }
  if (problems.length > 0) throw new TokenConfigError(problems, 'attachTokenInterceptor options');
  const allowlist = new OriginAllowlist(origins);
  const authorizer = new RequestAuthorizer<AxiosAnswer<AxiosError>>(tokens, {
    allowlist,
    scheme: credentialSchemeFor(tokens, options.dpop),
    retryOn401: typeof retryOn401 === 'function' ? (answer) => retryOn401(tokenFreeView(answer.failure)) : retryOn401,
    onUnauthorizedRetry: options.onUnauthorizedRetry,
    tokensByOrigin: options.tokensByOrigin,
  });
  return { allowlist, authorizer };
}
