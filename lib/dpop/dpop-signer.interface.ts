/**
 * What the token endpoint client needs from DPoP: a fresh proof per attempt, nonces remembered from
 * answers, and the `token_type` values it may accept.
 * @internal
 */
export interface DpopSigner {
  /** `token_type` values accepted from the token endpoint, canonical case, preferred first. */
  readonly acceptedTokenTypes: readonly string[];
  /** A fresh proof for one request (with the origin's nonce, when one is known). */
  proofFor(method: string, url: string, accessToken?: string): Promise<string>;
  /** Remembers the `DPoP-Nonce` header of an answer from `url`; returns whether one was present. */
  rememberNonce(url: string, nonceHeader: unknown): boolean;
}
