/** What is known about the cached token; never its value. */
export interface TokenInfo {
  /** When the token request that produced it was sent. */
  readonly obtainedAt: Date;
  /** When it expires (from `expires_in`, or `defaultExpiresInSeconds` when absent). */
  readonly expiresAt: Date;
  /** When it becomes stale and a refresh starts (`refreshMarginSeconds` before expiry, clamped). */
  readonly refreshAt: Date;
  /** Granted scope, when the server reported one. */
  readonly scope?: string;
  /** `Bearer`, or `DPoP` for a sender-constrained token (then send it as `Authorization: DPoP`). */
  readonly tokenType: string;
}
