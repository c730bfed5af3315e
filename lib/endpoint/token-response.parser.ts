import { TokenEndpointError, type TokenEndpointErrorDetails } from '../errors/token-endpoint.error.js';
import { TokenResponseError } from '../errors/token-response.error.js';
import { isSendableAccessToken } from '../internal/access-token-syntax.js';
import type { IssuedToken } from './issued-token.interface.js';

/** Longest server-provided error text we pass on, so a hostile server cannot flood logs. */
const MAX_ERROR_TEXT = 300;

/** A raw answer of the token endpoint. @internal */
export interface TokenEndpointAnswer {
  readonly status: number;
  readonly body: string;
  readonly retryAfter?: string;
  /** `DPoP-Nonce` header (RFC 9449 §8), when the server sent one. */
  readonly dpopNonce?: string;
}

/**
 * Turns a token endpoint answer into an `IssuedToken` or the error class that names the problem.
 * Error messages never contain the body (it may hold a token).
 * @internal
 */
export function parseTokenResponse(
  answer: TokenEndpointAnswer,
  defaultExpiresInSeconds: number,
  now: number,
  {
    tokenTypeOptional = false,
    endpoint,
    acceptedTokenTypes = ['Bearer'],
  }: { tokenTypeOptional?: boolean; endpoint?: TokenEndpointErrorDetails['endpoint']; acceptedTokenTypes?: readonly string[] } = {},
): IssuedToken {
  if (answer.status < 200 || answer.status > 299) throw toEndpointError(answer, now, endpoint);

  const payload = parseJsonObject(answer.body);
  if (payload === undefined) throw new TokenResponseError(answer.status, 'body is not a JSON object');
  if (payload.error !== undefined) throw new TokenResponseError(answer.status, 'success status carries an "error" member');

  const { access_token: accessToken, expires_in: expiresIn, scope } = payload;
  // A session-exchange answer may omit token_type; it is a Bearer token by contract of that endpoint.
  const tokenType = payload.token_type ?? (tokenTypeOptional ? 'Bearer' : undefined);
  if (typeof accessToken !== 'string' || accessToken === '') {
    throw new TokenResponseError(answer.status, '"access_token" is missing or not a non-empty string');
  }
  if (!isSendableAccessToken(accessToken)) {
    throw new TokenResponseError(answer.status, '"access_token" has characters an Authorization header cannot carry (RFC 6749 A.12: printable ASCII, no space at either end)');
  }
  if (typeof tokenType !== 'string') throw new TokenResponseError(answer.status, '"token_type" is missing');
  const acceptedType = acceptedTokenTypes.find((accepted) => accepted.toLowerCase() === tokenType.toLowerCase());
  if (acceptedType === undefined) throw new TokenResponseError(answer.status, unexpectedTokenType(tokenType, acceptedTokenTypes));
  let expiresInSeconds = defaultExpiresInSeconds;
  if (expiresIn !== undefined && expiresIn !== null) {
    expiresInSeconds = parseExpiresIn(expiresIn) ?? NaN;
    if (Number.isNaN(expiresInSeconds)) {
      throw new TokenResponseError(answer.status, '"expires_in" is not a positive number of seconds');
    }
  }
  if (scope !== undefined && typeof scope !== 'string') throw new TokenResponseError(answer.status, '"scope" is not a string');
  return {
    accessToken,
    tokenType: acceptedType,
    expiresInSeconds,
    expiresInDefaulted: expiresIn === undefined || expiresIn === null,
    ...(scope !== undefined ? { scope } : {}),
  };
}

/** Names the expected type; a Bearer answer to a DPoP request means the IdP ignored the proof. */
function unexpectedTokenType(tokenType: string, acceptedTokenTypes: readonly string[]): string {
  const problem = `"token_type" is "${truncate(tokenType, 40)}", expected ${acceptedTokenTypes.map((type) => `"${type}"`).join(' or ')}`;
  if (tokenType.toLowerCase() === 'bearer' && acceptedTokenTypes.includes('DPoP')) {
    return `${problem}: the IdP ignored the DPoP proof and issued a token that is not sender-constrained (enable DPoP for this client at the IdP, or accept it with dpop.allowBearerDowngrade)`;
  }
  return problem;
}

/** `expires_in` as a positive number; numeric strings are accepted (Entra ID v1 sends them). */
function parseExpiresIn(value: unknown): number | undefined {
  const seconds = typeof value === 'number' ? value : typeof value === 'string' && /^\s*\d+(\.\d+)?\s*$/.test(value) ? Number(value) : NaN;
  return Number.isFinite(seconds) && seconds > 0 ? seconds : undefined;
}

/** The error for a non-2xx answer of any endpoint the module calls. @internal */
export function toEndpointError(answer: TokenEndpointAnswer, now: number, endpoint?: TokenEndpointErrorDetails['endpoint']): TokenEndpointError {
  const payload = parseJsonObject(answer.body);
  const text = (value: unknown) => (typeof value === 'string' && value !== '' ? truncate(value, MAX_ERROR_TEXT) : undefined);
  return new TokenEndpointError({
    endpoint,
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

function truncate(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max)}…` : text;
}
