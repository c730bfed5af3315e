import { httpOrigin } from '../authorizer/origin-allowlist.js';
import type { RequestAuthorizer } from '../authorizer/request-authorizer.js';
import type { RequestGrant } from '../authorizer/request-grant.js';
import type { Fetch, FetchCall } from './fetch-call.js';

/** Fetch's limit (Fetch standard, HTTP-redirect fetch, step 5). */
const MAX_REDIRECTS = 20;
const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);
/** Headers fetch drops when a redirect changes origin; `dpop` joins them, as credentials of ours. */
const CROSS_ORIGIN_DROPPED = ['authorization', 'proxy-authorization', 'cookie', 'dpop'];
const BODY_HEADERS = ['content-type', 'content-length', 'content-encoding', 'content-language', 'content-location'];

/**
 * Sends `call` with the credentials of `grant` and follows its redirects here, as fetch would
 * (`redirect: 'follow'`), so that the authorizer decides which hop carries the token: never one to
 * another origin (nor the hops after it), never a DPoP proof. Other redirect modes are fetch's own.
 * The answer's `url` and `redirected` describe the last hop only.
 * @internal
 */
export async function followRedirects(
  send: Fetch,
  call: FetchCall,
  grant: RequestGrant | undefined,
  authorizer: RequestAuthorizer<never>,
): Promise<Response> {
  const headers = new Headers(call.headers);
  if (grant !== undefined) for (const [name, value] of Object.entries(grant.headers)) if (value !== undefined) headers.set(name, value);
  const manual = call.redirect === 'follow';
  let url = call.url;
  let method = call.method;
  let body = call.body;
  for (let hops = 0; ; hops += 1) {
    const response = await send(url, {
      ...call.init,
      method,
      headers,
      body,
      redirect: manual ? 'manual' : call.redirect,
      ...(call.signal !== undefined ? { signal: call.signal } : {}),
    });
    const location = response.headers.get('location');
    if (!manual || !REDIRECT_STATUSES.has(response.status) || location === null) return response;
    if (hops === MAX_REDIRECTS) throw new TypeError(`fetch failed: more than ${MAX_REDIRECTS} redirects from ${call.url}`);
    const next = new URL(location, url).href;
    // 303, and 301/302 after a POST, go on as a GET without a body (Fetch standard, HTTP-redirect fetch, step 12).
    if (response.status === 303 ? method !== 'HEAD' : (response.status === 301 || response.status === 302) && method === 'POST') {
      method = 'GET';
      body = null;
      for (const name of BODY_HEADERS) headers.delete(name);
    } else if (body !== null && !call.replayable) return response; // a stream cannot be sent to the next hop
    if (httpOrigin(next) !== httpOrigin(url)) for (const name of CROSS_ORIGIN_DROPPED) headers.delete(name);
    if (grant !== undefined && !grant.credentialsDropped) {
      const keep = httpOrigin(next) === grant.origin ? authorizer.redirectCredentials(grant, grant.origin) : undefined;
      if (keep === undefined) {
        grant.credentialsDropped = true;
        for (const name of Object.keys(grant.headers)) headers.delete(name);
      }
    }
    await response.body?.cancel();
    url = next;
  }
}
