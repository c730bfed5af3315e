import { httpOrigin } from '../authorizer/origin-allowlist.js';
import { isReplayableBody } from '../authorizer/replayable-body.js';

/** The standard `fetch` signature. */
export type Fetch = (input: string | URL | Request, init?: RequestInit) => Promise<Response>;

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
