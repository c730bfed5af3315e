/** A token as the token endpoint issued it, after validation. @internal */
export interface IssuedToken {
  readonly accessToken: string;
  /** Normalised `token_type`: `Bearer` or `DPoP`. */
  readonly tokenType: string;
  readonly expiresInSeconds: number;
  /** Whether `expires_in` was missing and `defaultExpiresInSeconds` was assumed. */
  readonly expiresInDefaulted: boolean;
  /** Whether the server's lifetime exceeded `MAX_TOKEN_LIFETIME_SECONDS` and was shortened to it. */
  readonly expiresInCapped?: boolean;
  readonly scope?: string;
  /** Estimated offset of the issuing server's clock from ours, in ms (positive: ahead); reporting only. */
  readonly serverClockOffsetMs?: number;
}
