import type { IdpFault } from './test-idp.js';

/** An RFC 6749 §5.2 error answer, as oidc-provider's fault middleware serves it. */
export function oauthError(status: number, error: string, headers: Record<string, string> = {}): IdpFault {
  return (ctx) => {
    for (const [name, value] of Object.entries(headers)) ctx.set(name, value);
    ctx.status = status;
    ctx.type = 'application/json';
    ctx.body = { error };
  };
}

/** 503 temporarily_unavailable, with an optional `Retry-After` (seconds or an HTTP date). */
export const unavailable = (retryAfter?: string): IdpFault =>
  oauthError(503, 'temporarily_unavailable', retryAfter === undefined ? {} : { 'Retry-After': retryAfter });

/** 500 server_error. */
export const serverError = (): IdpFault => oauthError(500, 'server_error');

/** 429 with an optional `Retry-After`. */
export const tooManyRequests = (retryAfter?: string): IdpFault =>
  oauthError(429, 'slow_down', retryAfter === undefined ? {} : { 'Retry-After': retryAfter });

/** 502 with the HTML page a gateway sends. */
export const badGatewayHtml = (): IdpFault => (ctx) => {
  ctx.status = 502;
  ctx.type = 'text/html';
  ctx.body = '<html><body><h1>502 Bad Gateway</h1></body></html>';
};

/** A 200 whose JSON body is cut off. */
export const truncatedJson = (): IdpFault => (ctx) => {
  ctx.status = 200;
  ctx.type = 'application/json';
  ctx.body = '{"access_token":"eyJhbGciOiJSUzI1NiJ9.trunc';
};

/** `count` copies of `fault`, for a queue of failures. */
export function times(count: number, fault: () => IdpFault): IdpFault[] {
  return Array.from({ length: count }, fault);
}
