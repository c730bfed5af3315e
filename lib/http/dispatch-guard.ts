import axios, { type AxiosAdapter, type AxiosRequestConfig, type AxiosResponse, type InternalAxiosRequestConfig } from 'axios';
import { httpOrigin, type OriginAllowlist } from '../authorizer/origin-allowlist.js';
import type { RequestAuthorizer } from '../authorizer/request-authorizer.js';
import type { RequestGrant } from '../authorizer/request-grant.js';
import { type AuthorizedRequest, authorizationOf, recordAuthorization } from './authorized-request.js';
import { redirectedTo, redirectWatchingFetch } from './fetch-redirects.js';

/** Node's http adapter: it runs `beforeRedirect`, and most requests go through it, so it is recognised first. */
const HTTP_ADAPTER = axios.getAdapter('http');

/**
 * An axios adapter that sends through `adapter` (a name, a list or a function, as axios's `adapter`
 * option takes them) after a last look at each request the interceptor authorized, as it leaves:
 * after every interceptor, whatever they did to it.
 * - `Authorization` no longer reads as we set it: it is the caller's now, and so is the request.
 * - Its origin is outside the allowlist (an interceptor that ran after ours moved it): our
 *   credentials are removed, and its answer renews nothing.
 * - The fetch adapter follows redirects itself, where `beforeRedirect` never runs: an answer from
 *   another origin says nothing about our token (fetch drops `Authorization` across origins, Fetch
 *   standard, HTTP-redirect fetch), nor does any redirected answer with DPoP (the proof names the first URL).
 * @internal
 */
export function guardDispatch(
  adapter: AxiosRequestConfig['adapter'],
  allowlist: OriginAllowlist,
  authorizer: RequestAuthorizer<never>,
): AxiosAdapter {
  const spec = adapter ?? axios.defaults.adapter;
  // A function is the adapter itself: whether it is the fetch adapter is known once.
  const functionIsFetch = typeof spec === 'function' ? isFetchAdapter(spec, undefined) : undefined;
  return (config) => {
    const authorized = leavingWithOurCredentials(config, allowlist, authorizer);
    // What axios itself would have done with `spec`: only the fetch adapter depends on the request (its `env`).
    const send = typeof spec === 'function' ? spec : axios.getAdapter(spec, config);
    const watch = authorized !== undefined && send !== HTTP_ADAPTER && (functionIsFetch ?? isFetchAdapter(send, config));
    return watch ? sendWatchingRedirects(config, authorized.grant, authorizer) : send(config);
  };
}

/** The record of a request that leaves with our credentials; a request moved outside the allowlist loses them here. */
function leavingWithOurCredentials(
  config: InternalAxiosRequestConfig,
  allowlist: OriginAllowlist,
  authorizer: RequestAuthorizer<never>,
): AuthorizedRequest | undefined {
  const authorized = authorizationOf(config);
  if (authorized === undefined || authorized.grant.credentialsDropped) return undefined;
  const headers = config.headers;
  const ours = authorized.grant.headers;
  if (headers.Authorization !== ours.Authorization && headers.get('Authorization') !== ours.Authorization) {
    // Replaced or removed after ours: the caller's request now, redirects included.
    authorized.restoreCallerBeforeRedirect(config);
    recordAuthorization(config, undefined);
    return undefined;
  }
  if (authorizer.mayDispatch(authorized.grant, allowlist.originOf(config))) return authorized;
  for (const name in ours) headers.delete(name);
  return undefined;
}

function isFetchAdapter(send: AxiosAdapter, config: InternalAxiosRequestConfig | undefined): boolean {
  try {
    return send === axios.getAdapter('fetch', config);
  } catch {
    return false; // no fetch in this environment
  }
}

function sendWatchingRedirects(
  config: InternalAxiosRequestConfig,
  grant: RequestGrant,
  authorizer: RequestAuthorizer<never>,
): Promise<AxiosResponse> {
  config.env = { ...config.env, fetch: redirectWatchingFetch(config.env?.fetch) };
  // fetch kept `Authorization` only on a same-origin hop; whether that hop could carry our credentials is the authorizer's call.
  const noteWhereItCameFrom = (request: unknown) => {
    const finalUrl = redirectedTo(request);
    if (finalUrl === undefined) return;
    if (httpOrigin(finalUrl) !== grant.origin) grant.credentialsDropped = true;
    else authorizer.redirectCredentials(grant, grant.origin);
  };
  return axios
    .getAdapter(
      'fetch',
      config,
    )(config)
    .then(
      (response) => {
        noteWhereItCameFrom(response.request);
        return response;
      },
      (error: unknown) => {
        noteWhereItCameFrom((error as { request?: unknown } | undefined)?.request);
        throw error;
      },
    );
}
