import { inspect } from 'node:util';
import type { AccessTokenProvider } from './access-token-provider.js';

/** The resends a request has used; each kind at most once, so there is never a loop. @internal */
export interface ResendBudget {
  /** Resent after a challenge of the credential scheme (a DPoP nonce), with the same token. */
  readonly challengeAnswered: boolean;
  /** Resent with a renewed token after any other 401. */
  readonly tokenRetried: boolean;
}

/** @internal */
export const NO_RESENDS: ResendBudget = { challengeAnswered: false, tokenRetried: false };

/**
 * The headers that carry a token: `Authorization`, and for sender-constrained tokens a `DPoP` proof.
 * A name whose value is undefined is one the scheme owns and the request must not carry (no proof
 * for a downgraded Bearer token). A type alias, so it fits header records.
 */
export type CredentialHeaders = {
  readonly Authorization: string;
  readonly DPoP?: string | undefined;
};

/**
 * What a request authorizer put on one request: the token, the headers that carry it and where they
 * may go. The transport keeps it with the request until the answer, and hands it back to `recover`.
 * Never sent; `inspect()` and JSON show only its origin.
 * @internal
 */
export class RequestGrant {
  /** Set once the credentials were taken off the request (before dispatch or on a redirect): what comes back says nothing about our token. */
  credentialsDropped = false;

  constructor(
    /** The token sent, so a 401 invalidates exactly that token. */
    readonly token: string,
    /** The provider that granted `token` (the origin's, or the request's own parameters'): a 401 renews exactly its token. */
    readonly tokens: AccessTokenProvider,
    /** The headers to set; while the request's `Authorization` still reads `headers.Authorization`, it is ours. */
    readonly headers: CredentialHeaders,
    readonly origin: string,
    /** The method, as the request was sent (for a proof on a resend). */
    readonly method: string,
    /** Set when the scheme binds the credentials to the URL (DPoP): the absolute URL they name and its nonces belong to. */
    readonly boundUrl: string | undefined,
    /** Whether the body can be sent again unchanged, so a 401 may be answered by a resend. */
    readonly replayable: boolean,
    readonly budget: ResendBudget,
  ) {}

  toJSON(): { origin: string } {
    return { origin: this.origin };
  }

  [inspect.custom](): string {
    return `RequestGrant { origin: ${this.origin} }`;
  }
}
