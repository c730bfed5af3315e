import { AxiosHeaders, type AxiosError, type AxiosInstance, type AxiosRequestConfig, CanceledError, type InternalAxiosRequestConfig, isAxiosError } from 'axios';
import { TokenConfigError, type TokenConfigProblem } from '../errors/token-config.error.js';
import type { TokenManagerService } from '../manager/token-manager.service.js';
import { validateRetryOn401 } from '../options/validate-http-options.js';
import type { TokenInterceptorOptions } from './http-options.interface.js';
import { httpOrigin, OriginAllowlist, resolveAllowedOrigins } from './origin-allowlist.js';
import { isReplayableBody } from './replayable-body.js';

/** What the interceptor needs from a token manager. */
export type TokenSource = Pick<TokenManagerService, 'getAccessToken' | 'invalidate' | 'renewRejected' | 'recordUnauthorizedRetry'>;

/** What the interceptor remembers about a request it authorized. Kept off the wire and out of `inspect()`. */
interface AuthorizedRequest {
  /** The token sent, so a 401 invalidates exactly that token. */
  readonly token: string;
  readonly origin: string;
  /** The body as the caller passed it, before axios transformed it. */
  readonly originalData: unknown;
  readonly replayable: boolean;
  /** The caller's own `beforeRedirect`, which the redirect guard wraps. */
  readonly callerBeforeRedirect: AxiosRequestConfig['beforeRedirect'];
  /** Set when a redirect left the allowlist: a 401 from there says nothing about our token. */
  redirectedOutside: boolean;
}

/** Non-enumerable slot on the request config holding its `AuthorizedRequest`. */
const AUTHORIZED = Symbol('nestjs-client-credentials.authorized');
/** Marks the one resend of a request, so it is never resent again. */
const RESENT = Symbol('nestjs-client-credentials.resent');
/** Instances that carry the interceptor, with their detach function: attaching is idempotent. */
const ATTACHED = new WeakMap<AxiosInstance, () => void>();

/** The follow-redirects options a `beforeRedirect` hook receives (the parts read here). */
type RedirectOptions = { headers?: Record<string, unknown>; href?: string };

/**
 * Attaches Bearer injection and the one-shot 401 retry to an axios instance (never attach it to the
 * process-global `axios`). Returns a function that detaches it; attaching to an instance that already
 * carries it has no effect and returns the existing detach function.
 *
 * Bearer injection: `Authorization: Bearer <token>` is set only when the request's absolute URL
 * (after `baseURL`) has an allowed origin, and only when the request brings no credentials of its own
 * (an `Authorization` header or `auth`). A redirect keeps the token only when its target origin is allowed.
 *
 * What happens on a 401 to a request that carried our token:
 * 1. `retryOn401` says no (false, or the predicate returns false) → the 401 goes to the caller untouched.
 * 2. The body cannot be replayed (a stream) → the token is invalidated (only if it is still the cached
 *    one) and the 401 goes to the caller; the next request gets a new token.
 * 3. `renewRejected(thatToken)`: the token is invalidated (only if still cached, so a late 401 never drops
 *    a newer token) and a new one obtained, shared with every concurrent caller (one token request for a
 *    storm of 401s); a gateway that hands back the rejected token gets it revoked and refetched when a
 *    revocation endpoint is configured. If that fails, the caller gets the 401; if the caller aborts, it
 *    alone gets a `CanceledError`.
 * 4. Still the rejected token → the 401 goes to the caller (no pointless resend).
 * 5. The request is resent exactly once with the new token. Whatever that resend returns, including a
 *    second 401 (its own axios error, with its response), goes to the caller: the resend is marked and
 *    carries its own `Authorization`, so it is never authorized or resent again. There is no loop.
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

  /** Request side: decide whether this request gets the token, and remember what was sent. */
  const authorize = async (config: InternalAxiosRequestConfig): Promise<InternalAxiosRequestConfig> => {
    rememberAuthorization(config, undefined);
    const headers = AxiosHeaders.from(config.headers);
    config.headers = headers;
    // Credentials of the caller's own (a header, or `auth`, which axios turns into Basic) win.
    if ((config as unknown as Record<symbol, unknown>)[RESENT] === true || headers.has('Authorization') || config.auth) return config;
    const origin = allowlist.originOf(config);
    if (!allowlist.allows(origin)) return config;

    const signal = abortSignalOf(config);
    let token: string;
    try {
      token = await tokens.getAccessToken(signal ? { signal } : undefined);
    } catch (error) {
      if (signal?.aborted) throw new CanceledError(undefined, undefined, config);
      throw error;
    }
    headers.set('Authorization', `Bearer ${token}`);
    const authorized: AuthorizedRequest = {
      token,
      origin,
      originalData: config.data,
      replayable: isReplayableBody(config.data),
      callerBeforeRedirect: config.beforeRedirect,
      redirectedOutside: false,
    };
    config.beforeRedirect = guardRedirects(allowlist, token, authorized);
    rememberAuthorization(config, authorized);
    return config;
  };

  /** Response side: the one-shot 401 retry, steps as listed above. */
  const retryOnce = async (error: unknown): Promise<unknown> => {
    const authorized = isAxiosError(error) ? authorizationOf(error.config) : undefined;
    if (authorized === undefined) throw error;
    const failure = error as AxiosError & { config: InternalAxiosRequestConfig };
    const config = failure.config;
    if (failure.response?.status !== 401 || authorized.redirectedOutside) throw withoutToken(failure);
    if (!(typeof retryOn401 === 'function' ? retryOn401(failure) : retryOn401)) throw withoutToken(failure);

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

    tokens.recordUnauthorizedRetry(authorized.origin);
    const headers = AxiosHeaders.concat(config.headers).set('Authorization', `Bearer ${token}`);
    // The adapter recomputes the length from the body; a stale one would truncate or hang.
    headers.delete('Content-Length');
    const resend: AxiosRequestConfig & { [RESENT]: true } = {
      ...config,
      headers,
      data: authorized.originalData,
      beforeRedirect: guardRedirects(allowlist, token, { ...authorized, token, redirectedOutside: false }),
      [RESENT]: true,
    };
    return instance.request(resend).catch((resendError: unknown) => {
      throw isAxiosError(resendError) ? withoutToken(resendError) : resendError;
    });
  };

  const requestInterceptor = instance.interceptors.request.use(authorize);
  const responseInterceptor = instance.interceptors.response.use(undefined, retryOnce);
  const detach = () => {
    if (ATTACHED.get(instance) !== detach) return;
    instance.interceptors.request.eject(requestInterceptor);
    instance.interceptors.response.eject(responseInterceptor);
    ATTACHED.delete(instance);
  };
  ATTACHED.set(instance, detach);
  return detach;
}

/** The request's `signal` when the manager can listen to it (axios also accepts bare `{ aborted }` objects). */
function abortSignalOf(config: InternalAxiosRequestConfig): AbortSignal | undefined {
  const signal = config.signal as AbortSignal | undefined;
  return signal !== undefined && signal !== null && typeof signal.addEventListener === 'function' ? signal : undefined;
}

function authorizationOf(config: InternalAxiosRequestConfig | undefined): AuthorizedRequest | undefined {
  return config === undefined ? undefined : (config as unknown as Record<symbol, AuthorizedRequest | undefined>)[AUTHORIZED];
}

/**
 * Takes our token out of an error before the caller sees it, since errors get logged: drops the
 * `Authorization` header from its config (a caller that resends `error.config` gets a current token
 * from the interceptor) and hides the raw `request` (whose header text holds the token) from
 * `inspect` and `JSON.stringify`; it stays readable as `error.request`.
 */
function withoutToken<E extends AxiosError>(error: E): E {
  const headers = error.config?.headers;
  if (headers instanceof AxiosHeaders) headers.delete('Authorization');
  for (const holder of [error, error.response]) {
    if (holder !== undefined && Object.prototype.propertyIsEnumerable.call(holder, 'request')) {
      Object.defineProperty(holder, 'request', { value: holder.request, enumerable: false, configurable: true, writable: true });
    }
  }
  return error;
}

function rememberAuthorization(config: InternalAxiosRequestConfig, authorized: AuthorizedRequest | undefined): void {
  Object.defineProperty(config, AUTHORIZED, { value: authorized, enumerable: false, configurable: true, writable: true });
}

/**
 * On every redirect, drops `Authorization` and puts the token back only when the target origin is
 * allowed. Neither axios nor follow-redirects knows the allowlist: depending on their versions they
 * keep the header across subdomains, scheme upgrades or ports.
 */
function guardRedirects(allowlist: OriginAllowlist, token: string, authorized: AuthorizedRequest): NonNullable<AxiosRequestConfig['beforeRedirect']> {
  return (options, responseDetails, ...rest) => {
    const redirect = options as RedirectOptions;
    const headers = (redirect.headers ??= {});
    for (const name of Object.keys(headers)) if (name.toLowerCase() === 'authorization') delete headers[name];
    if (allowlist.allows(redirectOrigin(redirect))) headers.Authorization = `Bearer ${token}`;
    else authorized.redirectedOutside = true;
    const callerBeforeRedirect = authorized.callerBeforeRedirect as ((...args: unknown[]) => void) | undefined;
    callerBeforeRedirect?.(options, responseDetails, ...rest);
  };
}

/** The origin a redirect goes to; undefined (so: not allowed) when it cannot be told. */
function redirectOrigin(options: RedirectOptions): string | undefined {
  return typeof options.href === 'string' ? httpOrigin(options.href) : undefined;
}
