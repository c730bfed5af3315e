import {
  AxiosHeaders,
  type AxiosError,
  type AxiosInstance,
  type AxiosRequestConfig,
  type AxiosResponse,
  CanceledError,
  type InternalAxiosRequestConfig,
  isAxiosError,
} from 'axios';
import { UNAUTHORIZED_RETRY_REPORTER } from '../core/unauthorized-retry-reporter.js';
import { isResourceNonceChallenge } from '../dpop/dpop-challenge.js';
import type { DpopRequestHeaders, DpopService } from '../dpop/dpop.service.js';
import { TokenConfigError, type TokenConfigProblem } from '../errors/token-config.error.js';
import type { TokenManagerService } from '../manager/token-manager.service.js';
import { validateRetryOn401 } from './validate-http-options.js';
import { AuthorizedRequest, authorizationOf, NO_RESENDS, recordAuthorization, type ResendBudget } from './authorized-request.js';
import { guardDispatch } from './dispatch-guard.js';
import type { TokenInterceptorOptions } from './http-options.interface.js';
import { OriginAllowlist, resolveAllowedOrigins } from './origin-allowlist.js';
import { guardRedirects } from './redirect-guard.js';
import { tokenFreeView, withoutToken } from './token-free-error.js';

/**
 * What the interceptor needs from a token manager. With `peekFreshToken`, requests that find a fresh
 * cached token are authorized synchronously, without a promise hop. With DPoP, `tokenTypeOf` (or, without
 * it, `getTokenInfo`) tells whether the IdP issued a token as Bearer (`allowBearerDowngrade`); without
 * either the token is taken as DPoP-bound.
 */
export type TokenSource = Pick<TokenManagerService, 'getAccessToken' | 'invalidate' | 'renewRejected'> &
  Partial<Pick<TokenManagerService, 'getTokenInfo' | 'peekFreshToken' | 'tokenTypeOf' | typeof UNAUTHORIZED_RETRY_REPORTER>>;

/** Instances that carry the interceptor, with their detach function: attaching is idempotent. */
const ATTACHED = new WeakMap<AxiosInstance, () => void>();

/**
 * Attaches token injection and the one-shot 401 retry to an axios instance (never attach it to the
 * process-global `axios`). Returns a function that detaches it; attaching to an instance that already
 * carries it has no effect and returns the existing detach function.
 *
 * Token injection: `Authorization: Bearer <token>` is set only when the request's absolute URL
 * (after `baseURL`) has an allowed origin, and only when the request brings no credentials of its own
 * (an `Authorization` header or `auth`; a header we set on an earlier request whose config is sent
 * again is ours, and gets the current token). The origin is checked again where the request is
 * dispatched (the instance's adapter is wrapped), so an interceptor that moves the request after ours
 * sends it without our credentials. A redirect keeps the token only when its target origin is allowed.
 *
 * With `dpop` (an enabled `DpopService`, RFC 9449), allowed requests carry `Authorization: DPoP <token>`
 * and a fresh proof for their exact method and absolute URL, with `ath` (a token the IdP issued as
 * Bearer under `allowBearerDowngrade` goes as Bearer, without a proof). The `DPoP-Nonce` of every answer
 * is remembered for its origin. A 401 `WWW-Authenticate: DPoP error="use_dpop_nonce"` carrying a nonce
 * is answered by resending once with a proof carrying it: that resend has its own budget, never
 * touches the token, and is not subject to `retryOn401`. A redirect drops the token and the proof,
 * whatever its target: the proof names the original URL, so no target could accept it.
 *
 * What happens on any other 401 to a request that carried our token (an answer from where a redirect,
 * or the dispatch check, dropped it says nothing about the token and goes to the caller as is):
 * 1. `retryOn401` says no (false, or the predicate, which sees the error without our token, returns
 *    false) → the 401 goes to the caller untouched.
 * 2. The body cannot be replayed (a stream) → the token is invalidated (only if it is still the cached
 *    one) and the 401 goes to the caller; the next request gets a new token.
 * 3. `renewRejected(thatToken)`: the token is invalidated (only if still cached, so a late 401 never drops
 *    a newer token) and a new one obtained, shared with every concurrent caller (one token request for a
 *    storm of 401s); a gateway that hands back the rejected token gets it revoked and refetched when a
 *    revocation endpoint is configured. If that fails, the caller gets the 401; if the caller aborts, it
 *    alone gets a `CanceledError`.
 * 4. Still the rejected token → the 401 goes to the caller (no pointless resend).
 * 5. The request is resent exactly once with the new token (and, with DPoP, a fresh proof). Whatever
 *    that resend returns, including a second 401, goes to the caller (after at most one nonce resend,
 *    if the nonce budget is unused). Each budget is spent once per request: there is no loop.
 *
 * @throws TokenConfigError when no allowlist can be built (no `allowedOrigins`, no absolute `defaults.baseURL`).
 */
export function attachTokenInterceptor(instance: AxiosInstance, tokens: TokenSource, options: TokenInterceptorOptions = {}): () => void {
  const existing = ATTACHED.get(instance);
  if (existing !== undefined) return existing;

  const problems: TokenConfigProblem[] = [];
  const report = (field: string, message: string) => problems.push({ field, message });
  const baseURL = typeof instance.defaults.baseURL === 'string' ? instance.defaults.baseURL : undefined;
  const origins = resolveAllowedOrigins(baseURL, options.allowedOrigins, '', report);
  const retryOn401 = validateRetryOn401(options.retryOn401, report);
  if (problems.length > 0) throw new TokenConfigError(problems, 'attachTokenInterceptor options');
  const allowlist = new OriginAllowlist(origins);
  // A disabled service (no `dpop` option) means Bearer: the module passes its service either way.
  const dpop = options.dpop?.enabled === true ? options.dpop : undefined;
  const instanceAdapter = instance.defaults.adapter;
  const guardedAdapter = guardDispatch(instanceAdapter, allowlist);

  /** With DPoP: the proof and scheme for `token` (as the IdP issued it) on this method and URL. */
  const dpopCredentials = (
    dpopService: DpopService,
    token: string,
    method: string | undefined,
    url: string,
  ): Promise<DpopRequestHeaders> => {
    const tokenType = tokens.tokenTypeOf !== undefined ? tokens.tokenTypeOf(token) : tokens.getTokenInfo?.()?.tokenType;
    return dpopService.resourceRequestHeaders(method ?? 'get', url, token, tokenType);
  };

  /** Where this request may carry our token: its origin, or undefined when it keeps what it has (own credentials, our resend, another origin). */
  const tokenOriginOf = (config: InternalAxiosRequestConfig): string | undefined => {
    const headers = AxiosHeaders.from(config.headers);
    config.headers = headers;
    const earlier = authorizationOf(config);
    if (earlier !== undefined) {
      if (earlier.resendPending) {
        earlier.resendPending = false;
        return undefined;
      }
      // A config sent before (an earlier response's): the credentials we set there are ours to renew.
      recordAuthorization(config, undefined);
      config.beforeRedirect = earlier.callerBeforeRedirect;
      if (headers.get('Authorization') === earlier.authorization) {
        headers.delete('Authorization');
        if (earlier.dpopUrl !== undefined) headers.delete('DPoP');
      }
    }
    // Credentials of the caller's own (a header, or `auth`, which axios turns into Basic) win.
    if (headers.has('Authorization') || config.auth) return undefined;
    const origin = allowlist.originOf(config);
    return allowlist.allows(origin) ? origin : undefined;
  };

  /** Records what `config` carries, guards its redirects, and makes sure it is dispatched through the guard. */
  const remember = (
    config: InternalAxiosRequestConfig,
    token: string,
    authorization: string,
    origin: string,
    dpopUrl: string | undefined,
  ): InternalAxiosRequestConfig => {
    const authorized = new AuthorizedRequest(token, authorization, origin, dpopUrl, config.data, config.beforeRedirect, NO_RESENDS);
    config.beforeRedirect = guardRedirects(allowlist, authorized);
    // A request's own `adapter` (or one set on the instance since) would go around the guard.
    if (config.adapter !== guardedAdapter) config.adapter = guardDispatch(config.adapter, allowlist);
    return recordAuthorization(config, authorized);
  };

  /**
   * Request side, fast path (Bearer with a fresh cached token): synchronous, so axios dispatches the
   * request in the same tick, as it does without interceptors. The origin checks run here, when the
   * request is about to go, not when the token was looked up.
   */
  const authorizeNow = (config: InternalAxiosRequestConfig): InternalAxiosRequestConfig => {
    const origin = tokenOriginOf(config);
    if (origin === undefined) return config;
    // `tokenOriginOf` found no Authorization header in any spelling, and the token response parser admits
    // only header-safe tokens: plain assignment does what `set()` would, without its normalising passes.
    const token = freshToken!;
    const authorization = `Bearer ${token}`;
    config.headers.Authorization = authorization;
    return remember(config, token, authorization, origin, undefined);
  };

  /** Request side, general path: waits for a token (a refresh, refresh-ahead, an abort) and signs DPoP proofs. */
  const authorize = async (config: InternalAxiosRequestConfig): Promise<InternalAxiosRequestConfig> => {
    const origin = tokenOriginOf(config);
    if (origin === undefined) return config;

    const signal = abortSignalOf(config);
    let token: string;
    try {
      token = await tokens.getAccessToken(signal ? { signal } : undefined);
    } catch (error) {
      if (signal?.aborted) throw new CanceledError(undefined, undefined, config);
      throw error;
    }
    if (dpop === undefined) {
      const authorization = `Bearer ${token}`;
      config.headers.set('Authorization', authorization);
      return remember(config, token, authorization, origin, undefined);
    }
    const dpopUrl = instance.getUri(config);
    const credentials = await dpopCredentials(dpop, token, config.method, dpopUrl);
    setCredentials(config.headers, credentials);
    return remember(config, token, credentials.Authorization, origin, dpopUrl);
  };

  /** With DPoP: the nonce of an answer to an authorized request, unless it came from where the credentials were dropped. */
  const rememberNonce = (authorized: AuthorizedRequest, response: AxiosResponse): boolean =>
    dpop !== undefined &&
    authorized.dpopUrl !== undefined &&
    !authorized.credentialsDropped &&
    dpop.rememberNonce(authorized.dpopUrl, response.headers['dpop-nonce']);

  /** Response side, failures: the nonce resend and the one-shot 401 retry, steps as listed above. */
  const recover = async (failure: AxiosError & { config: InternalAxiosRequestConfig }, authorized: AuthorizedRequest): Promise<unknown> => {
    const { config, response } = failure;
    const budget = authorized.budget;
    if (response === undefined || authorized.credentialsDropped) throw withoutToken(failure);
    if (dpop !== undefined) {
      const nonceArrived = rememberNonce(authorized, response);
      // A nonce challenge says nothing about the token: it never renews or invalidates it.
      if (isResourceNonceChallenge(response.status, response.headers['www-authenticate'])) {
        if (!nonceArrived || budget.nonceResent || !authorized.replayable) throw withoutToken(failure);
        return resend(config, authorized, authorized.token, { ...budget, nonceResent: true });
      }
    }
    if (response.status !== 401 || budget.tokenRetried) throw withoutToken(failure);
    if (!(typeof retryOn401 === 'function' ? retryOn401(tokenFreeView(failure)) : retryOn401)) throw withoutToken(failure);

    if (!authorized.replayable) {
      tokens.invalidate(authorized.token);
      throw withoutToken(failure);
    }
    const signal = abortSignalOf(config);
    let token: string;
    try {
      token = await tokens.renewRejected(authorized.token, signal ? { signal } : undefined);
    } catch {
      if (signal?.aborted) throw new CanceledError(undefined, undefined, withoutToken(failure).config);
      // The token failure is already reported by the manager (log, `refresh_failed` event).
      throw withoutToken(failure);
    }
    if (token === authorized.token) throw withoutToken(failure);

    tokens[UNAUTHORIZED_RETRY_REPORTER]?.(authorized.origin);
    return resend(config, authorized, token, { ...budget, tokenRetried: true });
  };

  /**
   * Sends `config` again with `token` (a fresh proof with DPoP). Its record carries the spent budget and
   * passes our interceptor untouched, once; its failure comes back through `recover` with that budget.
   */
  const resend = async (
    config: InternalAxiosRequestConfig,
    authorized: AuthorizedRequest,
    token: string,
    budget: ResendBudget,
  ): Promise<unknown> => {
    const headers = AxiosHeaders.concat(config.headers);
    let authorization = `Bearer ${token}`;
    if (dpop === undefined || authorized.dpopUrl === undefined) headers.set('Authorization', authorization);
    else {
      const credentials = await dpopCredentials(dpop, token, config.method, authorized.dpopUrl);
      setCredentials(headers, credentials);
      authorization = credentials.Authorization;
    }
    // The adapter recomputes the length from the body; a stale one would truncate or hang.
    headers.delete('Content-Length');
    const { originalData, callerBeforeRedirect } = authorized;
    const next = new AuthorizedRequest(
      token,
      authorization,
      authorized.origin,
      authorized.dpopUrl,
      originalData,
      callerBeforeRedirect,
      budget,
    );
    next.resendPending = true;
    const request: AxiosRequestConfig = { ...config, headers, data: originalData, beforeRedirect: guardRedirects(allowlist, next) };
    try {
      return await instance.request(recordAuthorization(request, next));
    } catch (resendError) {
      throw isAxiosError(resendError) ? withoutToken(resendError) : resendError;
    }
  };

  const onFailure = (error: unknown): Promise<unknown> => {
    const authorized = isAxiosError(error) ? authorizationOf(error.config) : undefined;
    if (authorized === undefined) return Promise.reject(error);
    return recover(error as AxiosError & { config: InternalAxiosRequestConfig }, authorized);
  };
  // Without DPoP there is nothing to read from successful answers: no handler, no cost.
  const onSuccess =
    dpop === undefined
      ? undefined
      : (response: AxiosResponse) => {
          const authorized = authorizationOf(response.config);
          if (authorized !== undefined) rememberNonce(authorized, response);
          return response;
        };

  // Two request interceptors, of which axios runs exactly one per request: `runWhen` is asked for
  // both, in order and about the same config, before either runs. The synchronous one runs when a
  // fresh token is cached, the asynchronous one otherwise. With no other asynchronous interceptor on
  // the instance, the common case then costs no promise hop, which is most of what an interceptor adds
  // to a request. The fast path takes the token its `runWhen` found last: other interceptors may hand
  // it another config object, and any token fresh that recently will do.
  let freshToken: string | undefined;
  let fastPathConfig: InternalAxiosRequestConfig | undefined;
  const hasFreshToken = (config: InternalAxiosRequestConfig): boolean => {
    const token = dpop === undefined ? tokens.peekFreshToken?.() : undefined;
    if (token === undefined) return false;
    freshToken = token;
    fastPathConfig = config;
    return true;
  };
  const needsSlowPath = (config: InternalAxiosRequestConfig): boolean => {
    if (config !== fastPathConfig) return true;
    fastPathConfig = undefined;
    return false;
  };
  const synchronousInterceptor = instance.interceptors.request.use(authorizeNow, undefined, { synchronous: true, runWhen: hasFreshToken });
  const asynchronousInterceptor = instance.interceptors.request.use(authorize, undefined, { runWhen: needsSlowPath });
  const responseInterceptor = instance.interceptors.response.use(onSuccess, onFailure);
  instance.defaults.adapter = guardedAdapter;
  const detach = () => {
    if (ATTACHED.get(instance) !== detach) return;
    instance.interceptors.request.eject(synchronousInterceptor);
    instance.interceptors.request.eject(asynchronousInterceptor);
    instance.interceptors.response.eject(responseInterceptor);
    if (instance.defaults.adapter === guardedAdapter) instance.defaults.adapter = instanceAdapter;
    ATTACHED.delete(instance);
  };
  ATTACHED.set(instance, detach);
  return detach;
}

function setCredentials(headers: AxiosHeaders, credentials: DpopRequestHeaders): void {
  headers.set('Authorization', credentials.Authorization);
  if (credentials.DPoP !== undefined) headers.set('DPoP', credentials.DPoP);
  else headers.delete('DPoP');
}

/** The request's `signal` when the manager can listen to it (axios also accepts bare `{ aborted }` objects). */
function abortSignalOf(config: InternalAxiosRequestConfig): AbortSignal | undefined {
  const signal = config.signal as AbortSignal | undefined;
  return signal !== undefined && signal !== null && typeof signal.addEventListener === 'function' ? signal : undefined;
}
