import axios, { type AxiosInstance, type AxiosResponse, type InternalAxiosRequestConfig, isAxiosError } from 'axios';
import { TokenConfigError, type TokenConfigProblem } from '../errors/token-config.error.js';
import type { TokenManagerService } from '../manager/token-manager.service.js';
import { isResourceNonceChallenge } from './dpop-challenge.js';
import type { DpopService } from './dpop.service.js';

/** Options of `attachDpopInterceptor`. */
export interface DpopInterceptorOptions {
  /**
   * Origins (`https://api.example.com`) that receive the token and proofs. Default: the origin of the
   * instance's `baseURL`. Requests to any other origin go out untouched.
   */
  readonly allowedOrigins?: readonly string[];
  /** Instead of `allowedOrigins`: decides per absolute request URL whether it receives the token. */
  readonly isAllowed?: (url: URL) => boolean;
}

/** The token source the interceptor needs: a token, and its type (DPoP, or Bearer after a downgrade). */
export type DpopTokenSource = Pick<TokenManagerService, 'getAccessToken' | 'getTokenInfo'>;

/** Marks a request already resent for a nonce; a string key, since axios copies config by own keys. */
const NONCE_RESENT = 'dpopNonceResent';
type DpopRequestConfig = InternalAxiosRequestConfig & { [NONCE_RESENT]?: boolean; dpopUrl?: string };

/**
 * Makes `instance` send `Authorization: DPoP <token>` and a fresh proof (with `ath`, for the exact
 * method and URL after `baseURL` resolution) to allowed origins, follow every `DPoP-Nonce` header,
 * and resend a request once when a resource server answers 401 `use_dpop_nonce`. That resend is
 * its own budget, separate from a 401 token-renewal retry, and a request is never resent twice for
 * a nonce. Never attach it to the process-global `axios`. Returns a function that detaches it.
 */
export function attachDpopInterceptor(instance: AxiosInstance, tokens: DpopTokenSource, dpop: DpopService, options: DpopInterceptorOptions = {}): () => void {
  if (!dpop.enabled) throw new TokenConfigError([{ field: 'dpop', message: 'is not enabled for this TokenModule: attachDpopInterceptor needs the dpop option' }], 'DPoP interceptor');
  // The default export is shared by every library in the process: the token must not ride along.
  if (instance === axios) throw new TokenConfigError([{ field: 'instance', message: 'must be your own axios.create() instance, not the process-global axios' }], 'DPoP interceptor');
  const isAllowed = originCheck(instance, options);

  const requestId = instance.interceptors.request.use(async (config: InternalAxiosRequestConfig) => {
    const url = absoluteUrl(instance, config);
    if (url === undefined || !isAllowed(url)) return config;
    return applyDpopHeaders(config, url, tokens, dpop);
  });
  const responseId = instance.interceptors.response.use(
    (response: AxiosResponse) => {
      rememberNonce(dpop, response);
      return response;
    },
    (error: unknown) => resendOnNonceChallenge(instance, dpop, error) ?? Promise.reject(error),
  );

  return () => {
    instance.interceptors.request.eject(requestId);
    instance.interceptors.response.eject(responseId);
  };
}

/**
 * Sets `Authorization: DPoP <token>` and a fresh proof for `url` on an allowed request. A building
 * block for an interceptor that also handles Bearer: call it instead of setting the Bearer header.
 * @internal
 */
export async function applyDpopHeaders(config: InternalAxiosRequestConfig, url: URL, tokens: DpopTokenSource, dpop: DpopService): Promise<InternalAxiosRequestConfig> {
  const token = await tokens.getAccessToken(config.signal instanceof AbortSignal ? { signal: config.signal } : undefined);
  const headers = await dpop.resourceRequestHeaders(config.method ?? 'get', url.href, token, tokens.getTokenInfo()?.tokenType);
  config.headers.set('Authorization', headers.Authorization);
  if (headers.DPoP !== undefined) config.headers.set('DPoP', headers.DPoP);
  else config.headers.delete('DPoP');
  (config as DpopRequestConfig).dpopUrl = url.href;
  return config;
}

/**
 * For a failed request that `applyDpopHeaders` prepared: remembers the answer's `DPoP-Nonce`, and
 * when the answer is a 401 `use_dpop_nonce` challenge with a nonce, resends the request once (a
 * fresh proof is made by the request interceptor). Returns undefined when there is nothing to
 * resend, so the caller goes on with its own handling (such as a one-shot token renewal on 401).
 * @internal
 */
export function resendOnNonceChallenge(instance: AxiosInstance, dpop: DpopService, error: unknown): Promise<AxiosResponse> | undefined {
  if (!isAxiosError(error) || error.response === undefined) return undefined;
  const nonceArrived = rememberNonce(dpop, error.response);
  const config = error.config as DpopRequestConfig | undefined;
  const challenged = isResourceNonceChallenge(error.response.status, error.response.headers['www-authenticate']);
  if (config?.dpopUrl === undefined || config[NONCE_RESENT] || !challenged || !nonceArrived) return undefined;
  config[NONCE_RESENT] = true;
  return instance.request(config);
}

function rememberNonce(dpop: DpopService, response: AxiosResponse): boolean {
  const url = (response.config as DpopRequestConfig | undefined)?.dpopUrl;
  return url !== undefined && dpop.rememberNonce(url, response.headers['dpop-nonce']);
}

/** The request's absolute URL as axios will send it, or undefined when it is relative. */
function absoluteUrl(instance: AxiosInstance, config: InternalAxiosRequestConfig): URL | undefined {
  try {
    return new URL(instance.getUri(config));
  } catch {
    return undefined;
  }
}

/** The allowlist, checked once at attach time so a typo fails at startup rather than per request. */
function originCheck(instance: AxiosInstance, options: DpopInterceptorOptions): (url: URL) => boolean {
  if (options.isAllowed !== undefined) return options.isAllowed;
  const problems: TokenConfigProblem[] = [];
  const origins = new Set<string>();
  const listed = options.allowedOrigins ?? (instance.defaults.baseURL ? [instance.defaults.baseURL] : []);
  listed.forEach((origin, index) => {
    try {
      const url = new URL(origin);
      if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new TypeError('not http(s)');
      origins.add(url.origin);
    } catch {
      problems.push({ field: options.allowedOrigins ? `allowedOrigins[${index}]` : 'baseURL', message: 'must be an absolute http(s) URL' });
    }
  });
  if (listed.length === 0) problems.push({ field: 'allowedOrigins', message: 'is required when the axios instance has no baseURL' });
  if (problems.length > 0) throw new TokenConfigError(problems, 'DPoP interceptor options');
  return (url) => origins.has(url.origin);
}
