/** What one answer tells about the server's clock, with the instants (by our clock) its request was sent and answered. */
export interface ServerClockReading {
  /** The `Date` response header (RFC 9110 §6.6.1: when the server generated the answer, whole seconds). */
  readonly dateHeader?: string | undefined;
  /** The access token: when it is a JWT, its `iat` (RFC 7519 §4.1.6) says when the server issued it. */
  readonly accessToken?: string | undefined;
  readonly sentAtMs: number;
  readonly receivedAtMs: number;
}

/** Estimates beyond this are no clock reading (a garbled header, an `iat` in another century) and are ignored. */
const MAX_BELIEVABLE_OFFSET_MS = 366 * 24 * 3600 * 1000;

/**
 * How far the server's clock is ahead of ours (negative: behind), in ms, or undefined when the answer
 * says nothing usable. The server stamped its answer somewhere between send and receipt, so its stamp
 * is compared with the midpoint of the two: the error is at most half the round trip plus the stamp's
 * one-second resolution. A JWT's `iat` is preferred to `Date`, since resource servers check `iat`/`nbf`
 * against the clock that wrote it, and a proxy in front of the IdP may set its own `Date`.
 * The estimate is for reporting only: a token's expiry is always `expires_in` counted by our clock
 * from when its request was sent, so a skewed clock never lengthens it.
 * @internal
 */
export function serverClockOffsetMs({ dateHeader, accessToken, sentAtMs, receivedAtMs }: ServerClockReading): number | undefined {
  const serverMs = jwtIssuedAtMs(accessToken) ?? httpDateMs(dateHeader);
  if (serverMs === undefined) return undefined;
  const offsetMs = Math.round(serverMs - (sentAtMs + receivedAtMs) / 2);
  return Math.abs(offsetMs) <= MAX_BELIEVABLE_OFFSET_MS ? offsetMs : undefined;
}

function httpDateMs(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const ms = Date.parse(value);
  return Number.isFinite(ms) ? ms : undefined;
}

/** The `iat` of a JWS compact serialisation, unverified (only its claim about time is read); else undefined. */
function jwtIssuedAtMs(token: string | undefined): number | undefined {
  const parts = token?.split('.');
  if (parts?.length !== 3) return undefined;
  try {
    const claims: unknown = JSON.parse(Buffer.from(parts[1], 'base64url').toString('utf8'));
    const iat = (claims as { iat?: unknown } | null)?.iat;
    return typeof iat === 'number' && Number.isFinite(iat) ? iat * 1000 : undefined;
  } catch {
    return undefined;
  }
}
