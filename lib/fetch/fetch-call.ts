import { httpOrigin } from '../authorizer/origin-allowlist.js';
import { isReplayableBody } from '../authorizer/replayable-body.js';
import type { TokenRequestParameters } from '../options/token-request-parameters.interface.js';

/** The standard `fetch` signature. */
export type Fetch = (input: string | URL | Request, init?: RequestInit) => Promise<Response>;

/** The options of one call of an authorized `fetch`: fetch's own, and the token parameters of the call. */
export interface AuthorizedRequestInit extends RequestInit {
  /**
   * Token parameters of this call (`scope`, `audience`, `resource`, `extraParams`): a call to an allowed origin
   * carries the token for them (left-out fields take the registration's values, as `getAccessToken(parameters)`),
   * and a 401 renews only that token. Never passed on to the fetch underneath; a call to an origin outside the
   * allowlist gets no token whatever it says. Bad parameters reject the call with a `TokenConfigError`.
   */
  tokenParameters?: TokenRequestParameters | undefined;
}

/** An authorized `fetch`: the standard signature (it can stand wherever `fetch` is expected), whose init may name token parameters. */
export type AuthorizedFetch = (input: string | URL | Request, init?: AuthorizedRequestInit) => Promise<Response>;

/**
 * `init` without `tokenParameters`, and the parameters: the field is the authorized fetch's own and never
 * reaches the fetch underneath. An init without the field is returned as it is (no copy).
 * @internal
 */
export function takeTokenParameters(
  init: AuthorizedRequestInit | undefined,
): readonly [init: RequestInit | undefined, tokenParameters: TokenRequestParameters | undefined] {
  if (typeof init !== 'object' || init === null || !('tokenParameters' in init)) return [init, undefined];
  const { tokenParameters, ...rest } = init;
  return [rest, tokenParameters];
}

/**
 * One call of an authorized `fetch`, taken apart so that each attempt (a redirect hop, the resend
 * after a 401) can be sent again: its absolute URL (resolved against `baseURL`), method, headers,
 * body, and the rest of its options.
 * @internal
 */
export interface FetchCall {
  readonly url: string;
  /** The origin of `url` when it is http(s). */
  readonly origin: string | undefined;
  readonly method: string;
  readonly headers: Headers;
  readonly body: BodyInit | null;
  /** Whether `body` can be sent again unchanged (never a stream: a 401 to it goes to the caller untouched). */
  readonly replayable: boolean;
  readonly redirect: RequestRedirect;
  readonly signal: AbortSignal | undefined;
  /** The other options (`cache`, `keepalive`, `dispatcher`, ...), passed on as they are. */
  readonly init: RequestInit;
}

/** The call `fetch(input, init)` describes, or undefined when its URL cannot be resolved (then `fetch` itself reports it). @internal */
export function fetchCallOf(
  input: string | URL | Request,
  init: RequestInit | undefined,
  baseURL: string | undefined,
): FetchCall | undefined {
  if (input instanceof Request) {
    const request = new Request(input, init);
    return {
      url: request.url,
      origin: httpOrigin(request.url),
      method: request.method,
      headers: new Headers(request.headers),
      body: request.body,
      // A Request holds its body as a stream: it can be read once.
      replayable: request.body === null,
      redirect: request.redirect,
      signal: init?.signal ?? input.signal,
      // Node's fetch sends a stream body only when told it is half duplex.
      init: { ...init, ...(request.body !== null ? ({ duplex: 'half' } as RequestInit) : {}) },
    };
  }
  let url: URL;
  try {
    url = new URL(input, baseURL);
  } catch {
    return undefined;
  }
  const body = init?.body ?? null;
  return {
    url: url.href,
    origin: url.protocol === 'http:' || url.protocol === 'https:' ? url.origin : undefined,
    method: normalizedMethod(init?.method ?? 'GET'),
    headers: new Headers(init?.headers),
    body,
    replayable: isReplayableBody(body),
    redirect: init?.redirect ?? 'follow',
    signal: init?.signal ?? undefined,
    init: init ?? {},
  };
}

/** The methods fetch writes in upper case whatever their spelling (Fetch standard, "normalize a method"). */
const NORMALIZED_METHODS = new Set(['DELETE', 'GET', 'HEAD', 'OPTIONS', 'POST', 'PUT']);

function normalizedMethod(method: string): string {
  const upper = method.toUpperCase();
  return NORMALIZED_METHODS.has(upper) ? upper : method;
}
