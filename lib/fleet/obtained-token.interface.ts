import type { IssuedToken } from '../core/issued-token.interface.js';

/** A token and the instant its request was sent (by whichever instance sent it). @internal */
export interface ObtainedToken {
  readonly issued: IssuedToken;
  readonly obtainedAtMs: number;
  /** `store`: another instance fetched it; `endpoint`: this instance did. */
  readonly source: 'store' | 'endpoint';
}

/** Fetches a token at the token source, by this instance. @internal */
export type LocalFetch = (signal: AbortSignal) => Promise<IssuedToken>;
