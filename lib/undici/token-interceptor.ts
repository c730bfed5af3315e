import type { Dispatcher } from 'undici';
import type { AccessTokenProvider } from '../authorizer/access-token-provider.js';
import { credentialSchemeFor } from '../authorizer/dpop-credential-scheme.js';
import { OriginAllowlist, resolveAllowedOrigins } from '../authorizer/origin-allowlist.js';
import { RequestAuthorizer } from '../authorizer/request-authorizer.js';
import type { RequestGrant } from '../authorizer/request-grant.js';
import type { DpopService } from '../dpop/dpop.service.js';
import { TokenConfigError, type TokenConfigProblem } from '../errors/token-config.error.js';
import { AuthorizedDispatch } from './authorized-dispatch.js';
import { type DispatchAnswer, dispatchOriginReader, DispatchRequest, type UndiciAnswer } from './dispatch-request.js';

/** Options of `createUndiciTokenInterceptor()`. */
export interface UndiciTokenInterceptorOptions {
  /** The origins (`scheme://host[:port]`) that receive the token; required. `['*']`: every origin (unsafe). */
  readonly allowedOrigins: readonly string[];
  /** One renewal and one resend after a 401 to a request that carried the token: default true, or a predicate on the answer. */
  readonly retryOn401?: boolean | ((answer: UndiciAnswer) => boolean);
  /** The module's `DpopService`: when enabled, requests carry DPoP proofs and follow nonces (RFC 9449). */
  readonly dpop?: DpopService;
  /** Told the origin of each resend after a 401; default: the manager's `unauthorized_retry` event. */
  readonly onUnauthorizedRetry?: (origin: string) => void;
}

/**
 * An undici interceptor (`Dispatcher.compose`) that puts the token of `tokens` (a
 * `TokenManagerService`) on requests to the allowed origins, with the rules of the axios interceptor
 * and `createAuthorizedFetch`: never over an `Authorization` of the caller's own; after a 401 to a
 * request that carried it, one renewal shared by concurrent callers and one resend when the body can
 * be replayed (a stream body's 401 goes to the caller); DPoP proofs and nonces with `dpop`. A request
 * to any other origin is dispatched untouched, so the composed dispatcher can be the global one.
 *
 * Compose it before `interceptors.redirect()`, so that the redirect interceptor sends each hop through
 * it: a hop to another origin, and every hop after one, goes without the token.
 *
 * ```ts
 * const dispatcher = new Agent().compose(
 *   createUndiciTokenInterceptor(manager, { allowedOrigins: ['https://api.example.com'] }),
 *   interceptors.redirect({ maxRedirections: 3 }),
 * );
 * ```
 *
 * @throws TokenConfigError when the allowlist is missing or an option is invalid.
 */
export function createUndiciTokenInterceptor(
  tokens: AccessTokenProvider,
  options: UndiciTokenInterceptorOptions,
): Dispatcher.DispatcherComposeInterceptor {
  const problems: TokenConfigProblem[] = [];
  const report = (field: string, message: string) => problems.push({ field, message });
  const origins = resolveAllowedOrigins(undefined, options?.allowedOrigins, '', report);
  const retryOn401 = options?.retryOn401 ?? true;
  if (typeof retryOn401 !== 'boolean' && typeof retryOn401 !== 'function') report('retryOn401', 'must be a boolean or a function');
  if (options?.onUnauthorizedRetry !== undefined && typeof options.onUnauthorizedRetry !== 'function') {
    report('onUnauthorizedRetry', 'must be a function');
  }
  if (problems.length > 0) throw new TokenConfigError(problems, 'createUndiciTokenInterceptor options');
  const authorizer = new RequestAuthorizer<DispatchAnswer>(tokens, {
    allowlist: new OriginAllowlist(origins),
    scheme: credentialSchemeFor(tokens, options.dpop),
    retryOn401,
    onUnauthorizedRetry: options.onUnauthorizedRetry,
  });
  const originOf = dispatchOriginReader();
  /**
   * The grant of each request, kept on its handler: a redirect (or retry) interceptor composed around this
   * one dispatches every hop with its own handler, so a handler that has it is a later hop of a request
   * (null: one that was not ours to authorize). A symbol of this interceptor's rather than a WeakMap, whose
   * entries, made and dropped per request, cost the garbage collector about half a microsecond each.
   */
  const grantOf = Symbol('grant of the undici token interceptor');
  type Marked = Record<typeof grantOf, RequestGrant | null | undefined>;

  return (dispatch) => (dispatchOptions, handler) => {
    const request = new DispatchRequest(dispatchOptions, originOf(dispatchOptions.origin));
    const marked = handler as Marked;
    const earlier = marked[grantOf];
    if (earlier !== undefined) {
      // Credentials follow a hop only to the origin they were granted for, and only while no hop dropped them.
      const credentials =
        earlier && authorizer.redirectCredentials(earlier, request.origin === earlier.origin ? earlier.origin : undefined);
      if (!credentials) return dispatch(dispatchOptions, handler);
      return new AuthorizedDispatch(dispatch, request, handler, authorizer).send(earlier);
    }
    const decision = authorizer.authorize(request);
    if (decision === undefined) {
      marked[grantOf] = null;
      return dispatch(dispatchOptions, handler);
    }
    const authorized = new AuthorizedDispatch(dispatch, request, handler, authorizer);
    if (!(decision instanceof Promise)) {
      marked[grantOf] = decision;
      return authorized.send(decision);
    }
    return authorized.sendWhenGranted(
      decision.then((grant) => {
        marked[grantOf] = grant ?? null;
        return grant;
      }),
    );
  };
}
