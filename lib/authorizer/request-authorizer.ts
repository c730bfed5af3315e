import { UNAUTHORIZED_RETRY_REPORTER } from '../core/unauthorized-retry-reporter.js';
import type { TokenRequestParameters } from '../options/token-request-parameters.interface.js';
import type { AccessTokenProvider } from './access-token-provider.js';
import { BEARER_SCHEME, type CredentialScheme, type ReceivedResponse } from './credential-scheme.js';
import type { OriginAllowlist } from './origin-allowlist.js';
import { type CredentialHeaders, NO_RESENDS, RequestGrant, type ResendBudget } from './request-grant.js';
import { tokensForRequest } from './request-token-parameters.js';

/** A request about to be sent, as the authorizer reads it, whatever the transport. */
export interface OutgoingRequest {
  /** The method as it will be sent. */
  readonly method: string;
  /** The origin it goes to; undefined when it is not an http(s) URL. */
  readonly origin: string | undefined;
  /** Its absolute URL: called only for schemes that bind credentials to it (DPoP). */
  url(): string;
  /** Its headers: an `Authorization` of the caller's own is left alone. */
  readonly headers: { has(name: string): boolean };
  /** Whether its body can be sent again unchanged. */
  readonly replayable: boolean;
  /** Aborts the wait for a token. */
  readonly signal?: AbortSignal | undefined;
  /** Token parameters of its own: its token is the one for them, whatever its origin's (checked at run time). */
  readonly tokenParameters?: TokenRequestParameters | undefined;
}

/** How a request authorizer decides. @internal */
export interface RequestAuthorizerOptions<R extends ReceivedResponse> {
  /** The origins that may receive the token. */
  readonly allowlist: OriginAllowlist;
  /** Default: Bearer. */
  readonly scheme?: CredentialScheme | undefined;
  /** Whether a 401 to a request that carried the token renews it and resends once (default true); a predicate sees the answer. */
  readonly retryOn401?: boolean | ((response: R) => boolean) | undefined;
  /** Told the origin of each resend after a 401; default: the renewing provider's `UNAUTHORIZED_RETRY_REPORTER` member, if any. */
  readonly onUnauthorizedRetry?: ((origin: string) => void) | undefined;
  /** The token provider of particular origins (a token minted for that API), instead of `tokens`. */
  readonly tokensByOrigin?: ReadonlyMap<string, AccessTokenProvider> | undefined;
}

/**
 * What every transport decides the same way: which requests get the token and in which headers,
 * where redirects may take it, and what a failed answer calls for. Transports (the axios interceptor,
 * fetch, ...) only carry the headers it returns and send again when `recover` says so.
 * @internal
 */
export class RequestAuthorizer<R extends ReceivedResponse = ReceivedResponse> {
  readonly #tokens: AccessTokenProvider;
  readonly #allowlist: OriginAllowlist;
  readonly #scheme: CredentialScheme;
  readonly #retryOn401: boolean | ((response: R) => boolean);
  readonly #onUnauthorizedRetry: ((origin: string) => void) | undefined;
  readonly #tokensByOrigin: ReadonlyMap<string, AccessTokenProvider> | undefined;

  constructor(tokens: AccessTokenProvider, options: RequestAuthorizerOptions<R>) {
    this.#tokens = tokens;
    this.#tokensByOrigin = options.tokensByOrigin?.size ? options.tokensByOrigin : undefined;
    this.#allowlist = options.allowlist;
    this.#scheme = options.scheme ?? BEARER_SCHEME;
    this.#retryOn401 = options.retryOn401 ?? true;
    this.#onUnauthorizedRetry = options.onUnauthorizedRetry;
  }

  /** Whether successful answers must be shown to `observe` (they carry nonces). */
  get readsResponses(): boolean {
    return this.#scheme.readsResponses;
  }

  /** A token that authorizes a request now, without a promise hop: fresh, cached, and for a scheme that needs no I/O. */
  peekToken(): string | undefined {
    // Per-origin tokens: which one a request needs depends on where it goes, so every request takes `authorize`.
    return this.#scheme.synchronous && this.#tokensByOrigin === undefined ? this.#tokens.peekFreshToken?.() : undefined;
  }

  /**
   * The grant for `request` with `token` (from `peekToken`), or undefined when the request is not ours
   * to authorize: an origin outside the allowlist, or an `Authorization` of the caller's own.
   */
  authorizeWith(token: string, request: OutgoingRequest): RequestGrant | undefined {
    return this.#wants(request) ? this.#grantNow(token, request) : undefined;
  }

  /**
   * As `authorizeWith`, waiting for a token (and a proof) when none is ready; the request's `signal` aborts the wait.
   * A request with `tokenParameters` waits for the token of those parameters (a promise hop, even when cached);
   * bad parameters reject with a `TokenConfigError` naming the field, before anything is sent.
   */
  authorize(request: OutgoingRequest): RequestGrant | undefined | Promise<RequestGrant | undefined> {
    if (!this.#wants(request)) return undefined;
    if (request.tokenParameters !== undefined) return this.#authorizeLater(request);
    const fresh = this.peekToken();
    return fresh !== undefined ? this.#grantNow(fresh, request) : this.#authorizeLater(request);
  }

  /**
   * After a failed answer to a granted request: the grant to resend it with once, or undefined to
   * hand the answer to the caller. Each budget is spent once per request: there is no loop.
   * 1. An answer from where the credentials were dropped says nothing about the token.
   * 2. A challenge of the scheme (DPoP `use_dpop_nonce`, RFC 9449 §9) is met once with the same token.
   * 3. Other than a first 401, or `retryOn401` says no: the answer as is.
   * 4. A body that cannot be replayed: the token is invalidated (only if still cached), no resend.
   * 5. `renewRejected` of the provider that granted the token (the request's parameters', the origin's or the
   *    default one): compare-and-invalidate, one renewal shared by concurrent callers. Its failure
   *    hands back the answer (rejects only when `signal` aborted); the same token again too.
   * @throws the renewal's error when `signal` aborted while waiting for it.
   */
  async recover(grant: RequestGrant, response: R, signal?: AbortSignal): Promise<RequestGrant | undefined> {
    if (grant.credentialsDropped) return undefined;
    const scheme = this.#scheme;
    const budget = grant.budget;
    if (scheme.readsResponses) {
      const arrived = scheme.observe(grant, response);
      // A challenge of the scheme says nothing about the token: it never renews or invalidates it.
      if (scheme.isChallenge(response)) {
        if (!arrived || budget.challengeAnswered || !grant.replayable) return undefined;
        return this.#regrant(grant, grant.token, { ...budget, challengeAnswered: true });
      }
    }
    if (response.status !== 401 || budget.tokenRetried) return undefined;
    if (!(typeof this.#retryOn401 === 'function' ? this.#retryOn401(response) : this.#retryOn401)) return undefined;
    const tokens = grant.tokens;
    if (!grant.replayable) {
      tokens.invalidate(grant.token);
      return undefined;
    }
    let token: string;
    try {
      token = await tokens.renewRejected(grant.token, signal ? { signal } : undefined);
    } catch (error) {
      if (signal?.aborted) throw error;
      return undefined; // the manager already reported the token failure (log, `refresh_failed` event)
    }
    if (token === grant.token) return undefined;
    // Default: the provider that renewed reports it (a per-origin token under its own entry).
    (this.#onUnauthorizedRetry ?? unauthorizedRetryReporterOf(tokens))?.(grant.origin);
    return this.#regrant(grant, token, { ...budget, tokenRetried: true });
  }

  /** Shows the scheme a successful answer to a granted request (nonces), unless the credentials were dropped on the way. */
  observe(grant: RequestGrant, response: ReceivedResponse): void {
    if (!grant.credentialsDropped) this.#scheme.observe(grant, response);
  }

  /**
   * The credentials a redirect of a granted request to `targetOrigin` carries: the same, when the
   * origin is allowed, nothing dropped them on the way and they do not name the first URL; else
   * undefined, and the grant's credentials count as dropped from then on.
   */
  redirectCredentials(grant: RequestGrant, targetOrigin: string | undefined): CredentialHeaders | undefined {
    if (!grant.credentialsDropped && !this.#scheme.bindsToUrl && this.#allowlist.allows(targetOrigin)) return grant.headers;
    grant.credentialsDropped = true;
    return undefined;
  }

  /** Whether a granted request may leave for `origin` as it is dispatched (other code may have moved it); if not, its credentials count as dropped. */
  mayDispatch(grant: RequestGrant, origin: string | undefined): boolean {
    if (this.#allowlist.allows(origin)) return true;
    grant.credentialsDropped = true;
    return false;
  }

  /** The request's own parameters' provider, else its origin's, else the default one. */
  #tokensFor(request: OutgoingRequest): AccessTokenProvider {
    if (request.tokenParameters !== undefined) return tokensForRequest(this.#tokens, request.tokenParameters);
    const origin = request.origin;
    return (origin !== undefined ? this.#tokensByOrigin?.get(origin) : undefined) ?? this.#tokens;
  }

  #wants(request: OutgoingRequest): boolean {
    return this.#allowlist.allows(request.origin) && !request.headers.has('Authorization');
  }

  /** With a synchronous scheme: its credentials are not a promise. */
  #grantNow(token: string, request: OutgoingRequest): RequestGrant {
    const url = this.#scheme.bindsToUrl ? request.url() : undefined;
    const headers = this.#scheme.credentials(token, request.method, url) as CredentialHeaders;
    return new RequestGrant(token, this.#tokens, headers, request.origin!, request.method, url, request.replayable, NO_RESENDS);
  }

  async #authorizeLater(request: OutgoingRequest): Promise<RequestGrant> {
    const signal = request.signal;
    const tokens = this.#tokensFor(request);
    const token = await tokens.getAccessToken(signal ? { signal } : undefined);
    const url = this.#scheme.bindsToUrl ? request.url() : undefined;
    const headers = await this.#scheme.credentials(token, request.method, url);
    return new RequestGrant(token, tokens, headers, request.origin!, request.method, url, request.replayable, NO_RESENDS);
  }

  async #regrant(grant: RequestGrant, token: string, budget: ResendBudget): Promise<RequestGrant> {
    const headers = await this.#scheme.credentials(token, grant.method, grant.boundUrl);
    return new RequestGrant(token, grant.tokens, headers, grant.origin, grant.method, grant.boundUrl, grant.replayable, budget);
  }
}

function unauthorizedRetryReporterOf(tokens: AccessTokenProvider): ((origin: string) => void) | undefined {
  const reporter = (tokens as { [UNAUTHORIZED_RETRY_REPORTER]?: (origin: string) => void })[UNAUTHORIZED_RETRY_REPORTER];
  return typeof reporter === 'function' ? (origin) => reporter.call(tokens, origin) : undefined;
}
