import type { CredentialHeaders, RequestGrant } from './request-grant.js';

/** An answer as a credential scheme and the authorizer read it, whatever the transport. */
export interface ReceivedResponse {
  readonly status: number;
  /** A response header by its lower-case name; undefined when absent. */
  header(name: string): unknown;
}

/**
 * How a token travels on a request: Bearer (RFC 6750) or DPoP (RFC 9449). The authorizer asks the
 * scheme; transports never branch on it.
 * @internal
 */
export interface CredentialScheme {
  /** Credentials need no I/O: a fresh cached token then authorizes a request synchronously. */
  readonly synchronous: boolean;
  /** Credentials name the request's URL (a proof): no redirect may carry them, and `credentials` is given the URL. */
  readonly bindsToUrl: boolean;
  /** Answers carry something to remember (a nonce): transports hand successful answers to `observe`. */
  readonly readsResponses: boolean;
  /** The headers that carry `token` on a request; `url` (absolute) is given to schemes that bind to it. */
  credentials(token: string, method: string, url: string | undefined): CredentialHeaders | Promise<CredentialHeaders>;
  /** Remembers what an answer to a granted request carries for later requests; returns whether it brought something new. */
  observe(grant: RequestGrant, response: ReceivedResponse): boolean;
  /** Whether the answer is a challenge of the scheme itself (not about the token), met by resending once with what `observe` kept. */
  isChallenge(response: ReceivedResponse): boolean;
}

/** `Authorization: Bearer <token>` (RFC 6750 §2.1): synchronous, and nothing to read from answers. @internal */
export const BEARER_SCHEME: CredentialScheme = {
  synchronous: true,
  bindsToUrl: false,
  readsResponses: false,
  credentials: (token) => ({ Authorization: `Bearer ${token}` }),
  observe: () => false,
  isChallenge: () => false,
};
