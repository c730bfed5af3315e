import { createHash, randomBytes } from 'node:crypto';
import type { DpopKey } from './dpop-key.js';

/** What one proof is for. */
export interface DpopProofRequest {
  /** HTTP method, any case. */
  readonly method: string;
  /** Absolute request URL; query and fragment are dropped for `htu`. */
  readonly url: string;
  /** The server-provided nonce for the URL's origin, when there is one. */
  readonly nonce?: string;
  /** The access token the request carries: proofs to resource servers include its hash (`ath`). */
  readonly accessToken?: string;
  /** Issue time, milliseconds since the epoch. */
  readonly nowMs: number;
}

/**
 * A DPoP proof JWT (RFC 9449 §4.2): fresh `jti` (128 random bits) so a captured proof cannot be
 * replayed, `htm` + `htu` so it cannot be used for another request, `ath` so it cannot be used with
 * another token.
 * @internal
 */
export function createDpopProof(key: DpopKey, request: DpopProofRequest): Promise<string> {
  return key.sign({
    jti: randomBytes(16).toString('base64url'),
    htm: request.method.toUpperCase(),
    htu: dpopTargetUri(request.url),
    iat: Math.floor(request.nowMs / 1000),
    ...(request.nonce !== undefined ? { nonce: request.nonce } : {}),
    ...(request.accessToken !== undefined ? { ath: accessTokenHash(request.accessToken) } : {}),
  });
}

/** `htu`: the target URI without query and fragment (RFC 9449 §4.2). */
function dpopTargetUri(url: string): string {
  const target = new URL(url);
  target.search = '';
  target.hash = '';
  return target.href;
}

/** `ath`: base64url SHA-256 of the ASCII access token (RFC 9449 §4.2). */
function accessTokenHash(accessToken: string): string {
  return createHash('sha256').update(accessToken, 'ascii').digest('base64url');
}
