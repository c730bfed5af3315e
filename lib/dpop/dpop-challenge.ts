/** `WWW-Authenticate: DPoP ... error="use_dpop_nonce"` (RFC 9449 §9), in any parameter order. */
const RESOURCE_NONCE_CHALLENGE = /(?:^|[\s,])DPoP\b[\s\S]*?\berror\s*=\s*"?use_dpop_nonce"?/i;

/**
 * Whether a resource server answer asks for a (new) nonce: 401 with a DPoP challenge whose error
 * is `use_dpop_nonce` (RFC 9449 §9).
 * @internal
 */
export function isResourceNonceChallenge(status: number | undefined, wwwAuthenticate: unknown): boolean {
  const header = Array.isArray(wwwAuthenticate) ? wwwAuthenticate.join(', ') : wwwAuthenticate;
  return status === 401 && typeof header === 'string' && RESOURCE_NONCE_CHALLENGE.test(header);
}

/**
 * Whether a token endpoint answer asks for a (new) nonce: 400 with the JSON error
 * `use_dpop_nonce` (RFC 9449 §8).
 * @internal
 */
export function isTokenEndpointNonceChallenge(status: number, body: string): boolean {
  if (status !== 400) return false;
  try {
    const payload = JSON.parse(body) as { error?: unknown } | null;
    return payload?.error === 'use_dpop_nonce';
  } catch {
    return false;
  }
}
