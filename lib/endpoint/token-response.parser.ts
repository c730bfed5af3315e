import type { EndpointRequest } from '../errors/endpoint-request.js';
import { TokenEndpointError } from '../errors/token-endpoint.error.js';
import { TokenResponseError } from '../errors/token-response.error.js';
import { isSendableAccessToken } from '../internal/access-token-syntax.js';
import { MAX_TOKEN_LIFETIME_SECONDS } from '../options/token-options.defaults.js';
import type { IssuedToken } from '../core/issued-token.interface.js';
import { quoteServerText } from './server-text.js';

/** A raw answer of the token endpoint. @internal */
export interface TokenEndpointAnswer {
  readonly status: number;
  readonly body: string;
  readonly retryAfter?: string | undefined;
  /** `DPoP-Nonce` header (RFC 9449 §8), when the server sent one. */
  readonly dpopNonce?: string | undefined;
  /** `Date` header: when the server generated the answer, by its clock. */
  readonly date?: string | undefined;
}

/** How to read one answer: which request it answers and what the request carried. @internal */
export interface AnswerContext {
  /** The request, named in every error. */
  readonly request: EndpointRequest;
  /** Values the request carried (credentials, the token, the code): scrubbed from any server text quoted. */
  readonly secrets: readonly string[];
}

/**
 * Turns a token endpoint answer into an `IssuedToken` or the error class that names the problem.
 * Error messages never contain the body (it may hold a token). A lifetime longer than
 * `MAX_TOKEN_LIFETIME_SECONDS` is shortened to it (`expiresInCapped`), so every instant derived from
 * it is a valid date.
 * @internal
 */
export function parseTokenResponse(
  answer: TokenEndpointAnswer,
  defaultExpiresInSeconds: number,
  now: number,
  context: AnswerContext,
  {
    tokenTypeOptional = false,
    acceptedTokenTypes = ['Bearer'],
  }: { tokenTypeOptional?: boolean | undefined; acceptedTokenTypes?: readonly string[] | undefined } = {},
): IssuedToken {
  if (answer.status < 200 || answer.status > 299) throw toEndpointError(answer, now, context);
  const malformed = (problem: string) => new TokenResponseError(answer.status, problem, context.request);

  const payload = parseJsonObject(answer.body);
  if (payload === undefined) throw malformed('body is not a JSON object');
  if (payload.error !== undefined) throw malformed('success status carries an "error" member');

  const { access_token: accessToken, expires_in: expiresIn, scope } = payload;
  // A session-exchange answer may omit token_type; it is a Bearer token by contract of that endpoint.
  const tokenType = payload.token_type ?? (tokenTypeOptional ? 'Bearer' : undefined);
  if (typeof accessToken !== 'string' || accessToken === '') throw malformed('"access_token" is missing or not a non-empty string');
  if (!isSendableAccessToken(accessToken)) {
    throw malformed(
      '"access_token" has characters an Authorization header cannot carry (RFC 6749 A.12: printable ASCII, no space at either end)',
    );
  }
  if (typeof tokenType !== 'string') throw malformed('"token_type" is missing');
  const acceptedType = acceptedTokenTypes.find((accepted) => accepted.toLowerCase() === tokenType.toLowerCase());
  if (acceptedType === undefined) throw malformed(unexpectedTokenType(tokenType, acceptedTokenTypes, context.secrets));
  let expiresInSeconds = defaultExpiresInSeconds;
  if (expiresIn !== undefined && expiresIn !== null) {
    expiresInSeconds = parseExpiresIn(expiresIn) ?? NaN;
    if (Number.isNaN(expiresInSeconds)) throw malformed('"expires_in" is not a positive number of seconds');
  }
  if (scope !== undefined && typeof scope !== 'string') throw malformed('"scope" is not a string');
  return {
    accessToken,
    tokenType: acceptedType,
    expiresInSeconds: Math.min(expiresInSeconds, MAX_TOKEN_LIFETIME_SECONDS),
    expiresInDefaulted: expiresIn === undefined || expiresIn === null,
    ...(expiresInSeconds > MAX_TOKEN_LIFETIME_SECONDS ? { expiresInCapped: true } : {}),
    ...(scope !== undefined ? { scope } : {}),
  };
}

/** Names the expected type; a Bearer answer to a DPoP request means the IdP ignored the proof. */
function unexpectedTokenType(tokenType: string, acceptedTokenTypes: readonly string[], secrets: readonly string[]): string {
  const problem = `"token_type" is "${quoteServerText(tokenType, secrets, 40)}", expected ${acceptedTokenTypes.map((type) => `"${type}"`).join(' or ')}`;
  if (tokenType.toLowerCase() === 'bearer' && acceptedTokenTypes.includes('DPoP')) {
    return `${problem}: the IdP ignored the DPoP proof and issued a token that is not sender-constrained (enable DPoP for this client at the IdP, or accept it with dpop.allowBearerDowngrade)`;
  }
  return problem;
}

/**
 * `expires_in` as a positive number; numeric strings are accepted (Entra ID v1 sends them). A number too
 * large for a double (`1e400` in the JSON) reads as Infinity: a lifetime like any huge one, capped later.
 */
function parseExpiresIn(value: unknown): number | undefined {
  const seconds = typeof value === 'number' ? value : typeof value === 'string' && /^\s*\d+(\.\d+)?\s*$/.test(value) ? Number(value) : NaN;
  return seconds > 0 ? seconds : undefined;
}

/** The error for a non-2xx answer of any endpoint the module calls. @internal */
export function toEndpointError(answer: TokenEndpointAnswer, now: number, { request, secrets }: AnswerContext): TokenEndpointError {
  const payload = parseJsonObject(answer.body);
  const text = (value: unknown) => (typeof value === 'string' && value !== '' ? quoteServerText(value, secrets) : undefined);
  return new TokenEndpointError({
    ...request,
    status: answer.status,
    error: text(payload?.error),
    errorDescription: text(payload?.error_description),
    errorUri: text(payload?.error_uri),
    retryAfterSeconds: parseRetryAfter(answer.retryAfter, now),
  });
}

/** `Retry-After` as delta-seconds or an HTTP date (RFC 9110 §10.2.3), in seconds from `now`. */
function parseRetryAfter(value: string | undefined, now: number): number | undefined {
  if (value === undefined || value.trim() === '') return undefined;
  if (/^\s*\d+\s*$/.test(value)) return Number(value);
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, Math.ceil((date - now) / 1000));
}

/** The body as a JSON object, or undefined. @internal */
export function parseJsonObject(body: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(body);
    return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}
