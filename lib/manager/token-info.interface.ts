import type { TokenEntryLabel } from './token-entry-label.js';

/** What is known about the cached token; never its value. */
export interface TokenInfo {
  /** When the token request that produced it was sent. */
  readonly obtainedAt: Date;
  /** When it expires (from `expires_in`, or `defaultExpiresInSeconds` when absent). */
  readonly expiresAt: Date;
  /** When it becomes stale and a refresh starts (`refreshMarginSeconds` before expiry, clamped). */
  readonly refreshAt: Date;
  /** Granted scope, when the server reported one. */
  readonly scope?: string | undefined;
  /** `Bearer`, or `DPoP` for a sender-constrained token (then send it as `Authorization: DPoP`). */
  readonly tokenType: string;
  /**
   * How far the token server's clock is ahead of this host's (negative: behind), in ms, estimated from its
   * answer (the JWT's `iat`, else the `Date` header; ± half the round trip and one second). Absent when the
   * answer said nothing about time, or the token came from another instance through the `store`. It never
   * changes `expiresAt`: that is `expires_in` counted by this host's clock from when the request was sent.
   */
  readonly serverClockOffsetMs?: number | undefined;
}

/** One cached token of a client, as `TokenManagerService.getTokenEntries()` lists it: its label and facts (never its value). */
export interface TokenEntryInfo {
  readonly entry: TokenEntryLabel;
  /** Null while the entry holds no token (before its first, after an invalidation). */
  readonly token: TokenInfo | null;
}
