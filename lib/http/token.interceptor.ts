import { inspect } from 'node:util';
import { AxiosHeaders, type AxiosError, type AxiosInstance, type AxiosRequestConfig, type AxiosResponse, CanceledError, type InternalAxiosRequestConfig, isAxiosError } from 'axios';
import { isResourceNonceChallenge } from '../dpop/dpop-challenge.js';
import type { DpopRequestHeaders, DpopService } from '../dpop/dpop.service.js';
import { TokenConfigError, type TokenConfigProblem } from '../errors/token-config.error.js';
import type { TokenManagerService } from '../manager/token-manager.service.js';
import { validateRetryOn401 } from '../options/validate-http-options.js';
import type { TokenInterceptorOptions } from './http-options.interface.js';
import { OriginAllowlist, resolveAllowedOrigins } from './origin-allowlist.js';
import { guardRedirects, type RedirectGuarded } from './redirect-guard.js';
import { isReplayableBody } from './replayable-body.js';

/**
 * What the interceptor needs from a token manager. With `peekFreshToken`, requests that find a fresh
 * cached token are authorized synchronously, without a promise hop. With DPoP, `tokenTypeOf` (or, without
 * it, `getTokenInfo`) tells whether the IdP issued a token as Bearer (`allowBearerDowngrade`); without
 * either the token is taken as DPoP-bound.
 */
export type TokenSource = Pick<TokenManagerService, 'getAccessToken' | 'invalidate' | 'renewRejected' | 'recordUnauthorizedRetry'> &
  Partial<Pick<TokenManagerService, 'getTokenInfo' | 'peekFreshToken' | 'tokenTypeOf'>>;

/** What the interceptor remembers about a request it authorized. Never sent; `inspect()` and JSON show only its origin. */
interface AuthorizedRequest extends RedirectGuarded {
  /** The token sent, so a 401 invalidates exactly that token. */
  readonly token: string;
  readonly origin: string;
  /** With DPoP: the absolute URL (after `baseURL`) its proofs name and its nonces are remembered for. */
  readonly dpopUrl: string | undefined;
  /** The body as the caller passed it, before axios transformed it. */
  readonly originalData: unknown;
  readonly replayable: boolean;
}

/** The resends a request has used; each kind at most once, so there is never a loop. */
interface ResendBudget {
  /** Resent with a server nonce after a 401 `use_dpop_nonce` (DPoP only). */
  readonly nonceResent: boolean;
  /** Resent with a renewed token after any other 401. */
  readonly tokenRetried: boolean;
}

/**
 * Slot on a request config holding its `AuthorizedRequest`. A plain property, not a weak map or a
 * defined property: it is written once per request, and either costs more than the rest of the fast
 * path. Its value prints without the token, and errors handed to callers lose it.
 */
const AUTHORIZED = Symbol('nestjs-client-credentials.authorized');
/** Marks a resend, so the request interceptor leaves its credentials alone. */
const RESENT = 'nestjsClientCredentialsResent';
/** Instances that carry the interceptor, with their detach function: attaching is idempotent. */
const ATTACHED = new WeakMap<AxiosInstance, () => void>();
const NO_RESENDS: ResendBudget = { nonceResent: false, tokenRetried: false };

/**
 * Attaches token injection and the one-shot 401 retry to an axios instance (never attach it to the
 * process-global `axios`). Returns a function that detaches it; attaching to an instance that already
 * carries it has no effect and returns the existing detach function.
 *
 * Token injection: `Authorization: Bearer <token>` is set only when the request's absolute URL
 * (after `baseURL`) has an allowed origin, and only when the request brings no credentials of its own
 * (an `Authorization` header or `auth`). A redirect keeps the token only when its target origin is allowed.
 *
 * With `dpop` (an enabled `DpopService`, RFC 9449), allowed requests carry `Authorization: DPoP <token>`
 * and a fresh proof for their exact method and absolute URL, with `ath` (a token the IdP issued as
 * Bearer under `allowBearerDowngrade` goes as Bearer, without a proof). The `DPoP-Nonce` of every answer
 * is remembered for its origin. A 401 `WWW-Authenticate: DPoP error="use_dpop_nonce"` carrying a nonce
 * is answered by resending once with a proof carrying it: that resend has its own budget, never
 * touches the token, and is not subject to `retryOn401`. A redirect drops the token and the proof,
 * whatever its target: the proof names the original URL, so no target could accept it.
 *
 * What happens on any other 401 to a request that carried our token:
 * 1. `retryOn401` says no (false, or the predicate returns false) → the 401 goes to the caller untouched.
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

  /** With DPoP: the proof and scheme for `token` (as the IdP issued it) on this method and URL. */
  const dpopCredentials = (dpopService: DpopService, token: string, method: string | undefined, url: string): Promise<DpopRequestHeaders> => {
    const tokenType = tokens.tokenTypeOf !== undefined ? tokens.tokenTypeOf(token) : tokens.getTokenInfo?.()?.tokenType;
    return dpopService.resourceRequestHeaders(method ?? 'get', url, token, tokenType);
  };

  /** Where this request may carry our token: its origin, or undefined when it keeps what it has (own credentials, a resend, another origin). */
  const tokenOriginOf = (config: InternalAxiosRequestConfig): string | undefined => {
    // A config reused from an earlier response carries that request's record: it says nothing about this one.
    if ((config as ConfigWithAuthorization)[AUTHORIZED] !== undefined) delete (config as ConfigWithAuthorization)[AUTHORIZED];
    const headers = AxiosHeaders.from(config.headers);
    config.headers = headers;
    // Credentials of the caller's own (a header, or `auth`, which axios turns into Basic) win.
    if ((config as unknown as Record<string, unknown>)[RESENT] === true || headers.has('Authorization') || config.auth) return undefined;
    const origin = allowlist.originOf(config);
    return allowlist.allows(origin) ? origin : undefined;
  };

  /** Records what `config` carries, and guards its redirects. */
  const remember = (config: InternalAxiosRequestConfig, token: string, origin: string, dpopUrl: string | undefined): InternalAxiosRequestConfig => {
    const authorized = new AuthorizedRequestRecord(token, origin, dpopUrl, config.data, config.beforeRedirect);
    config.beforeRedirect = guardRedirects(allowlist, authorized);
    (config as ConfigWithAuthorization)[AUTHORIZED] = authorized;
    return config;
  };

  /**
   * Request side, fast path (Bearer with a fresh cached token): synchronous, so axios dispatches the
   * request in the same tick, as it does without interceptors. The origin checks run here, when the
   * request is about to go, not when the token was looked up.
   */
  const authorizeNow = (config: InternalAxiosRequestConfig): InternalAxiosRequestConfig => {
    const token = freshTokens.take(config);
    const origin = tokenOriginOf(config);
    if (token === undefined || origin === undefined) return config;
    // `tokenOriginOf` found no Authorization header in any spelling, and the token response parser admits
    // only header-safe tokens: plain assignment does what `set()` would, without its normalising passes.
    config.headers.Authorization = `Bearer ${token}`;
    return remember(config, token, origin, undefined);
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
    let dpopUrl: string | undefined;
    if (dpop === undefined) config.headers.set('Authorization', `Bearer ${token}`);
    else {
      dpopUrl = instance.getUri(config);
      setCredentials(config.headers, await dpopCredentials(dpop, token, config.method, dpopUrl));
    }
    return remember(config, token, origin, dpopUrl);
  };

  /** With DPoP: the nonce of an answer to an authorized request, unless a redirect made it another origin's. */
  const rememberNonce = (authorized: AuthorizedRequest, response: AxiosResponse): boolean =>
    dpop !== undefined && authorized.dpopUrl !== undefined && !authorized.droppedOnRedirect && dpop.rememberNonce(authorized.dpopUrl, response.headers['dpop-nonce']);

  /** Response side, failures: the nonce resend and the one-shot 401 retry, steps as listed above. */
  const recover = async (failure: AxiosError & { config: InternalAxiosRequestConfig }, authorized: AuthorizedRequest, budget: ResendBudget): Promise<unknown> => {
    const config = failure.config;
    const response = failure.response;
    if (response === undefined || authorized.droppedOnRedirect) throw withoutToken(failure);
    if (dpop !== undefined) {
      const nonceArrived = rememberNonce(authorized, response);
      // A nonce challenge says nothing about the token: it never renews or invalidates it.
      if (isResourceNonceChallenge(response.status, response.headers['www-authenticate'])) {
        if (!nonceArrived || budget.nonceResent || !authorized.replayable) throw withoutToken(failure);
        return resend(config, authorized, authorized.token, { ...budget, nonceResent: true });
      }
    }
    if (response.status !== 401 || budget.tokenRetried) throw withoutToken(failure);
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
    return resend(config, authorized, token, { ...budget, tokenRetried: true });
  };

  /** Sends `config` again with `token` (a fresh proof with DPoP); its failure goes back through `recover` with the budget spent. */
  const resend = async (config: InternalAxiosRequestConfig, authorized: AuthorizedRequest, token: string, budget: ResendBudget): Promise<unknown> => {
    const headers = AxiosHeaders.concat(config.headers);
    if (dpop === undefined || authorized.dpopUrl === undefined) headers.set('Authorization', `Bearer ${token}`);
    else setCredentials(headers, await dpopCredentials(dpop, token, config.method, authorized.dpopUrl));
    // The adapter recomputes the length from the body; a stale one would truncate or hang.
    headers.delete('Content-Length');
    const next = new AuthorizedRequestRecord(token, authorized.origin, authorized.dpopUrl, authorized.originalData, authorized.callerBeforeRedirect);
    const request: AxiosRequestConfig & { [RESENT]: true } = {
      ...config,
      headers,
      data: authorized.originalData,
      beforeRedirect: guardRedirects(allowlist, next),
      [RESENT]: true,
    };
    let answer: AxiosResponse;
    try {
      answer = await instance.request(request);
    } catch (resendError) {
      if (!isAxiosError(resendError)) throw resendError;
      if (resendError.config === undefined) throw withoutToken(resendError);
      return recover(resendError as AxiosError & { config: InternalAxiosRequestConfig }, next, budget);
    }
    rememberNonce(next, answer);
    return answer;
  };

  const onFailure = (error: unknown): Promise<unknown> => {
    const authorized = isAxiosError(error) ? authorizationOf(error.config) : undefined;
    if (authorized === undefined) return Promise.reject(error);
    return recover(error as AxiosError & { config: InternalAxiosRequestConfig }, authorized, NO_RESENDS);
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

  // Two request interceptors, of which axios runs exactly one per request (`runWhen` is asked for
  // both, in order, before either runs): the synchronous one when a fresh token is cached, the
  // asynchronous one otherwise. With no other asynchronous interceptor on the instance, the common
  // case then costs no promise hop, which is most of what an interceptor adds to a request.
  const freshTokens = new FreshTokenHandoff();
  const hasFreshToken = (config: InternalAxiosRequestConfig): boolean => {
    const token = dpop === undefined ? tokens.peekFreshToken?.() : undefined;
    if (token === undefined) return false;
    freshTokens.hold(config, token);
    return true;
  };
  const synchronousInterceptor = instance.interceptors.request.use(authorizeNow, undefined, { synchronous: true, runWhen: hasFreshToken });
  const asynchronousInterceptor = instance.interceptors.request.use(authorize, undefined, { runWhen: (config) => !freshTokens.isLatest(config) });
  const responseInterceptor = instance.interceptors.response.use(onSuccess, onFailure);
  const detach = () => {
    if (ATTACHED.get(instance) !== detach) return;
    instance.interceptors.request.eject(synchronousInterceptor);
    instance.interceptors.request.eject(asynchronousInterceptor);
    instance.interceptors.response.eject(responseInterceptor);
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

function authorizationOf(config: InternalAxiosRequestConfig | undefined): AuthorizedRequest | undefined {
  return config === undefined ? undefined : (config as ConfigWithAuthorization)[AUTHORIZED];
}

/**
 * Takes our token out of an error before the caller sees it, since errors get logged: drops the
 * `Authorization` (and `DPoP`) header from its config (a caller that resends `error.config` gets a current token
 * from the interceptor) and hides the raw `request` (whose header text holds the token) from
 * `inspect` and `JSON.stringify`; it stays readable as `error.request`.
 */
function withoutToken<E extends AxiosError>(error: E): E {
  const headers = error.config?.headers;
  if (headers instanceof AxiosHeaders) {
    headers.delete('Authorization');
    headers.delete('DPoP');
  }
  // A caller resending `error.config` must get fresh credentials, not be taken for our own resend.
  if (error.config !== undefined) {
    delete (error.config as unknown as Record<string, unknown>)[RESENT];
    delete (error.config as ConfigWithAuthorization)[AUTHORIZED];
  }
  for (const holder of [error, error.response]) {
    if (holder !== undefined && Object.prototype.propertyIsEnumerable.call(holder, 'request')) {
      Object.defineProperty(holder, 'request', { value: holder.request, enumerable: false, configurable: true, writable: true });
    }
  }
  return error;
}

/**
 * Hands the token found by the fast path's `runWhen` to its interceptor. axios normally runs that
 * interceptor right after asking `runWhen`, so one slot suffices and costs nothing; when another
 * asynchronous interceptor on the instance lets requests interleave, a request whose slot was taken
 * by the next one finds its token in a weak map instead.
 */
class FreshTokenHandoff {
  #config: InternalAxiosRequestConfig | undefined;
  #token: string | undefined;
  readonly #displaced = new WeakMap<InternalAxiosRequestConfig, string>();

  hold(config: InternalAxiosRequestConfig, token: string): void {
    if (this.#config !== undefined && this.#config !== config) this.#displaced.set(this.#config, this.#token!);
    this.#config = config;
    this.#token = token;
  }

  /** Whether `config` is the request the last `hold` was for: `runWhen` of the slow path asks right after the fast path's. */
  isLatest(config: InternalAxiosRequestConfig): boolean {
    return this.#config === config;
  }

  /** The token held for `config`, once. */
  take(config: InternalAxiosRequestConfig): string | undefined {
    if (this.#config === config) {
      const token = this.#token;
      this.#config = undefined;
      this.#token = undefined;
      return token;
    }
    const token = this.#displaced.get(config);
    if (token !== undefined) this.#displaced.delete(config);
    return token;
  }
}

type ConfigWithAuthorization = InternalAxiosRequestConfig & { [AUTHORIZED]?: AuthorizedRequest };

/** An `AuthorizedRequest` that keeps its token out of `inspect()` and `JSON.stringify()`. */
class AuthorizedRequestRecord implements AuthorizedRequest {
  readonly replayable: boolean;
  droppedOnRedirect = false;

  constructor(
    readonly token: string,
    readonly origin: string,
    readonly dpopUrl: string | undefined,
    readonly originalData: unknown,
    readonly callerBeforeRedirect: AxiosRequestConfig['beforeRedirect'],
  ) {
    this.replayable = isReplayableBody(originalData);
  }

  toJSON(): { origin: string } {
    return { origin: this.origin };
  }

  [inspect.custom](): string {
    return `AuthorizedRequest { origin: ${this.origin} }`;
  }
}
