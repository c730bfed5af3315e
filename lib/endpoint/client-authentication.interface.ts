import type { Agent as HttpsAgent } from 'node:https';

/** The credentials of one request: extra form fields and headers. @internal */
export interface ClientCredentialsPart {
  readonly formFields: Readonly<Record<string, string>>;
  readonly headers: Readonly<Record<string, string>>;
}

/**
 * One client authentication method (RFC 6749 §2.3, RFC 7523, RFC 8705). The same strategy
 * authenticates token, revocation and introspection requests.
 * @internal
 */
export interface ClientAuthentication {
  /** Credentials for one request; `audience` is the token endpoint (the `aud` of a client assertion). */
  credentialsFor(audience: string, signal?: AbortSignal): Promise<ClientCredentialsPart>;
  /** Strings that must never leave the process in logs or errors (secrets seen lately, header values). */
  readonly secrets: readonly string[];
  /** The HTTPS agent that presents the current client certificate (`tls_client_auth`), once a request has read it. */
  readonly httpsAgent?: HttpsAgent | undefined;
  /**
   * After `invalid_client`: reads the credential again, ignoring reuse; true when it differs from the
   * one the last request carried (a rotation), so that request is worth sending once more.
   */
  credentialsChanged(signal?: AbortSignal): Promise<boolean>;
}
