import {
  AxiosHeaders,
  type AxiosError,
  type AxiosInstance,
  type AxiosResponse,
  type InternalAxiosRequestConfig,
  isAxiosError,
} from 'axios';
import type { AccessTokenProvider } from '../authorizer/access-token-provider.js';
import type { CredentialHeaders, RequestGrant } from '../authorizer/request-grant.js';
import { AuthorizedRequest, authorizationOf, recordAuthorization } from './authorized-request.js';
import { axiosRequestAuthorizer } from './axios-request-authorizer.js';
import { AxiosAnswer, AxiosOutgoingRequest, cancelledIfAborted, setCredentials } from './axios-request-views.js';
import { guardDispatch } from './dispatch-guard.js';
import { FastPathSelector } from './fast-path-selector.js';
import type { TokenInterceptorOptions } from './http-options.interface.js';
import { guardRedirects } from './redirect-guard.js';
import { withoutToken } from './token-free-error.js';

/** Instances that carry the interceptor, with their detach function: attaching is idempotent. */
const ATTACHED = new WeakMap<AxiosInstance, () => void>();

/**
 * Attaches token injection and the one-shot 401 retry to an axios instance (never to the
 * process-global `axios`); returns a function that detaches it (attaching twice returns the first one).
 * The rules, the same for every transport, are the `RequestAuthorizer`'s (docs/authorized-http.md):
 * the token only to allowed origins (checked again at dispatch and on every redirect), never over
 * credentials of the caller's own; with an enabled `dpop` service, DPoP proofs and nonces; after a 401
 * to a request that carried the token, one renewal shared by concurrent callers and one resend, when
 * `retryOn401` agrees and the body can be replayed (`onUnauthorizedRetry` is told). This binding carries
 * its headers on axios configs, and keeps a synchronous path for requests that find a fresh token.
 *
 * @throws TokenConfigError when no allowlist can be built (no `allowedOrigins`, no absolute `defaults.baseURL`).
 */
export function attachTokenInterceptor(
  instance: AxiosInstance,
  tokens: AccessTokenProvider,
  options: TokenInterceptorOptions = {},
): () => void {
  const existing = ATTACHED.get(instance);
  if (existing !== undefined) return existing;
  const { allowlist, authorizer } = axiosRequestAuthorizer(instance, tokens, options);
  const instanceAdapter = instance.defaults.adapter;
  const guardedAdapter = guardDispatch(instanceAdapter, allowlist, authorizer);
  const fastPath = new FastPathSelector(() => authorizer.peekToken());

  const outgoing = (config: InternalAxiosRequestConfig) => AxiosOutgoingRequest.of(instance, config, allowlist);
  /** Records the grant on `config`, guards its redirects, and makes sure it is dispatched through the guard. */
  const remember = (config: InternalAxiosRequestConfig, grant: RequestGrant): InternalAxiosRequestConfig => {
    const authorized = new AuthorizedRequest(grant, config.data, config.beforeRedirect);
    config.beforeRedirect = guardRedirects(authorizer, authorized);
    // A request's own `adapter` (or one set on the instance since) would go around the guard.
    if (config.adapter !== guardedAdapter) config.adapter = guardDispatch(config.adapter, allowlist, authorizer);
    return recordAuthorization(config, authorized);
  };

  /** Request side, fast path: synchronous, so axios dispatches in the same tick, as without interceptors. */
  const authorizeNow = (config: InternalAxiosRequestConfig): InternalAxiosRequestConfig => {
    const request = outgoing(config);
    const grant = request && authorizer.authorizeWith(fastPath.token, request);
    if (grant === undefined) return config;
    // No Authorization header in any spelling (the authorizer checked) and header-safe tokens: plain
    // assignment does what `set()` would, without its normalising passes.
    for (const name in grant.headers) config.headers[name] = grant.headers[name as keyof CredentialHeaders];
    return remember(config, grant);
  };
  /** Request side, general path: waits for a token (a refresh, an abort) and its proof. */
  const authorize = async (config: InternalAxiosRequestConfig): Promise<InternalAxiosRequestConfig> => {
    const request = outgoing(config);
    if (request === undefined) return config;
    const grant = await Promise.resolve(authorizer.authorize(request)).catch(cancelledIfAborted(request.signal, config));
    if (grant === undefined) return config;
    setCredentials(config.headers, grant.headers);
    return remember(config, grant);
  };

  /** Response side: what the authorizer makes of a failed answer; a resend's failure comes back here with its spent budget. */
  const onFailure = async (error: unknown): Promise<unknown> => {
    const authorized = isAxiosError(error) ? authorizationOf(error.config) : undefined;
    if (authorized === undefined) throw error;
    const failure = error as AxiosError & { config: InternalAxiosRequestConfig };
    if (failure.response === undefined) throw withoutToken(failure);
    const request = new AxiosOutgoingRequest(instance, failure.config, authorized.grant.origin);
    const answer = new AxiosAnswer(failure.response, failure);
    const grant = await authorizer.recover(authorized.grant, answer, request.signal).catch(cancelledIfAborted(request.signal, failure));
    if (grant === undefined) throw withoutToken(failure);
    const headers = AxiosHeaders.concat(failure.config.headers);
    setCredentials(headers, grant.headers);
    headers.delete('Content-Length'); // the adapter recomputes it from the body; a stale one would truncate or hang
    const next = new AuthorizedRequest(grant, authorized.originalData, authorized.callerBeforeRedirect);
    next.resendPending = true; // passes our request interceptor untouched, once
    const resend = { ...failure.config, headers, data: next.originalData, beforeRedirect: guardRedirects(authorizer, next) };
    return instance.request(recordAuthorization(resend, next)).catch((resendError: unknown) => {
      throw isAxiosError(resendError) ? withoutToken(resendError) : resendError;
    });
  };
  // Without nonces to read, successful answers get no handler, at no cost.
  const onSuccess = authorizer.readsResponses
    ? (response: AxiosResponse) => {
        const authorized = authorizationOf(response.config);
        if (authorized !== undefined) authorizer.observe(authorized.grant, new AxiosAnswer(response, undefined));
        return response;
      }
    : undefined;

  const synchronous = instance.interceptors.request.use(authorizeNow, undefined, { synchronous: true, runWhen: fastPath.hasToken });
  const asynchronous = instance.interceptors.request.use(authorize, undefined, { runWhen: fastPath.needsSlowPath });
  const response = instance.interceptors.response.use(onSuccess, onFailure);
  instance.defaults.adapter = guardedAdapter;
  const detach = () => {
    if (ATTACHED.get(instance) !== detach) return;
    instance.interceptors.request.eject(synchronous);
    instance.interceptors.request.eject(asynchronous);
    instance.interceptors.response.eject(response);
    if (instance.defaults.adapter === guardedAdapter) {
      if (instanceAdapter === undefined) delete instance.defaults.adapter;
      else instance.defaults.adapter = instanceAdapter;
    }
    ATTACHED.delete(instance);
  };
  ATTACHED.set(instance, detach);
  return detach;
}
