/** A client assertion read from outside, with the `exp` it claims. @internal */
export interface ExternalAssertion {
  readonly assertion: string;
  /** `exp` of the JWT, seconds since the epoch. */
  readonly expiresAt: number;
}

const JWT_SHAPE = /^[A-Za-z0-9_-]+\.([A-Za-z0-9_-]+)\.[A-Za-z0-9_-]*$/;

/**
 * RFC 7523 §3: the assertion is a JWT with an `exp`. Only its shape and `exp` are read here (the
 * authorization server verifies the signature); a value that is no JWT is rejected before it is sent.
 * @internal
 */
export function parseExternalAssertion(raw: unknown): ExternalAssertion {
  const assertion = typeof raw === 'string' ? raw.trim() : '';
  const payload = JWT_SHAPE.exec(assertion)?.[1];
  let claims: unknown;
  try {
    claims = payload === undefined ? undefined : JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
  } catch {
    claims = undefined;
  }
  const exp = (claims as { exp?: unknown } | undefined)?.exp;
  if (typeof exp !== 'number' || !Number.isFinite(exp)) throw new Error('is not a JWT with a numeric "exp" claim');
  return { assertion, expiresAt: exp };
}
