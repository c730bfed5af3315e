import type { AccessTokenProvider } from '../authorizer/access-token-provider.js';
import type { ReceivedResponse } from '../authorizer/credential-scheme.js';
import { credentialSchemeFor } from '../authorizer/dpop-credential-scheme.js';
import { httpOrigin, OriginAllowlist, resolveAllowedOrigins } from '../authorizer/origin-allowlist.js';
import { RequestAuthorizer } from '../authorizer/request-authorizer.js';
import type { RequestGrant } from '../authorizer/request-grant.js';
import type { DpopService } from '../dpop/dpop.service.js';
import { TokenConfigError, type TokenConfigProblem } from '../errors/token-config.error.js';
import { type AuthorizedFetch, type Fetch, type FetchCall, fetchCallOf, takeTokenParameters } from './fetch-call.js';
import { followRedirects } from './follow-redirects.js';

/** Options of `createAuthorizedFetch()`. */
export interface AuthorizedFetchOptions {
  /** Origins that receive the token, in addition to the origin of `baseURL`; required without one. `['*']`: every origin (unsafe). */
  readonly allowedOrigins?: readonly string[] | undefined;
  /** Relative URLs resolve against it, and its origin receives the token. */
  readonly baseURL?: string | undefined;
  /** One renewal and one resend after a 401 to a request that carried the token: default true, or a predicate on the answer. */
  readonly retryOn401?: boolean | ((response: Response) => boolean) | undefined;
  /** The module's `DpopService`: when enabled, requests carry DPoP proofs and follow nonces (RFC 9449). */
  readonly dpop?: DpopService | undefined;
  /** Told the origin of each resend after a 401; default: the manager's `unauthorized_retry` event. */
  readonly onUnauthorizedRetry?: ((origin: string) => void) | undefined;
  /** The fetch to send with; default: the global one, looked up on each call. */
  readonly fetch?: Fetch | undefined;
  /**
   * The token provider of particular origins (for example `manager.tokensFor({ resource })`): calls to such
   * an origin carry its token, and a 401 there renews only that one. Each origin must be allowed.
   */
  readonly tokensByOrigin?: ReadonlyMap<string, AccessTokenProvider> | undefined;
}

/**
 * A `fetch` that carries the token of `tokens` (a `TokenManagerService`), with the rules of
 * `attachTokenInterceptor`: the token only to allowed origins and never over an `Authorization` of
 * the caller's own; redirects followed here (`redirect: 'manual'` underneath) so that a hop to
 * another origin never carries the token; after a 401 to a request that carried it, one renewal
 * shared by concurrent callers and one resend when the body can be replayed (a stream body's 401 goes
 * to the caller); `signal` aborts the wait for a token as it aborts the request. A call's `tokenParameters`
 * (`AuthorizedRequestInit`) get it the token for those parameters; the field is never passed to `fetch`.
 *
 * ```ts
 * const api = createAuthorizedFetch(manager, { baseURL: 'https://api.example.com' });
 * const response = await api('/v1/invoices');
 * ```
 *
 * @throws TokenConfigError when no allowlist can be built or an option is invalid.
 */
export function createAuthorizedFetch(tokens: AccessTokenProvider, options: AuthorizedFetchOptions = {}): AuthorizedFetch {
  const problems: TokenConfigProblem[] = [];
  const report = (field: string, message: string) => problems.push({ field, message });
  const baseURL = options.baseURL;
  if (baseURL !== undefined && httpOrigin(baseURL) === undefined) report('baseURL', 'must be an absolute http(s) URL');
  const origins = resolveAllowedOrigins(baseURL, options.allowedOrigins, '', report, baseURL !== undefined);
  const retryOn401 = options.retryOn401 ?? true;
  if (typeof retryOn401 !== 'boolean' && typeof retryOn401 !== 'function') report('retryOn401', 'must be a boolean or a function');
  for (const field of ['onUnauthorizedRetry', 'fetch'] as const) {
    if (options[field] !== undefined && typeof options[field] !== 'function') report(field, 'must be a function');
  }
  if (problems.length > 0) throw new TokenConfigError(problems, 'createAuthorizedFetch options');
  const authorizer = new RequestAuthorizer<FetchAnswer>(tokens, {
    allowlist: new OriginAllowlist(origins),
    scheme: credentialSchemeFor(tokens, options.dpop),
    retryOn401: typeof retryOn401 === 'function' ? (answer) => retryOn401(answer.response) : retryOn401,
    onUnauthorizedRetry: options.onUnauthorizedRetry,
    tokensByOrigin: options.tokensByOrigin,
  });
  const send: Fetch = options.fetch ?? ((input, init) => globalThis.fetch(input, init));

  return async (input, authorizedInit) => {
    const [init, tokenParameters] = takeTokenParameters(authorizedInit);
    const call = fetchCallOf(input, init, baseURL);
    if (call === undefined) return send(input, init);
    const request = { ...call, url: () => call.url, tokenParameters };
    let grant = await abortable(call, () => authorizer.authorize(request));
    // Not ours to authorize: fetch's own behaviour, redirects included (a Request's body was taken over by `call`).
    if (grant === undefined && !(input instanceof Request)) return send(input, init);
    for (;;) {
      const response = await followRedirects(send, call, grant, authorizer);
      if (grant === undefined) return response;
      if (response.ok) {
        authorizer.observe(grant, new FetchAnswer(response));
        return response;
      }
      const next: RequestGrant | undefined = await abortable(call, () =>
        authorizer.recover(grant!, new FetchAnswer(response), call.signal),
      );
      if (next === undefined) return response;
      await response.body?.cancel();
      grant = next;
    }
  };
}

/** A fetch `Response` as the authorizer reads it. */
class FetchAnswer implements ReceivedResponse {
  constructor(readonly response: Response) {}

  get status(): number {
    return this.response.status;
  }

  header(name: string): string | undefined {
    return this.response.headers.get(name) ?? undefined;
  }
}

/** Waits for `step`; a call whose signal aborted meanwhile rejects with the signal's reason, as fetch does. */
async function abortable<T>(call: FetchCall, step: () => T | Promise<T>): Promise<T> {
  try {
    return await step();
  } catch (error) {
    if (call.signal?.aborted) throw call.signal.reason;
    throw error;
  }
}
