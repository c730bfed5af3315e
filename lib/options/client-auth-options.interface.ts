import type { CredentialSource } from '../credentials/credential-source.interface.js';

/**
 * How the client authenticates at the token endpoint (and at the revocation and introspection endpoints):
 * with `clientSecret` (`client_secret_basic`, `client_secret_post`, `client_secret_jwt`: an HS256
 * assertion keyed with the secret), with a private key (`private_key_jwt`), with an assertion issued by
 * someone else (`client_assertion`: workload identity federation) or with a TLS client certificate.
 */
export type ClientAuthMethod =
  'client_secret_basic' | 'client_secret_post' | 'client_secret_jwt' | 'private_key_jwt' | 'client_assertion' | 'tls_client_auth';

/** JWS algorithms supported for `private_key_jwt` client assertions. */
export type ClientAssertionAlgorithm = 'RS256' | 'PS256' | 'ES256';

/** `private_key_jwt` (RFC 7523 §2.2) settings. Requires the optional peer dependency `jose`. */
export interface PrivateKeyJwtOptions {
  /**
   * The private key: PEM (PKCS#8, PKCS#1 or SEC1), a private JWK object or a JWK as JSON text, or a
   * provider of one (a function, or `{ file }` holding PEM or JWK JSON, read again when it changes). Never logged.
   */
  key: CredentialSource<string | Record<string, unknown>>;
  /** `kid` header of the assertion; default the JWK's `kid`, if any. */
  kid?: string | undefined;
  /** Signing algorithm; default RS256 for RSA keys and ES256 for P-256 keys. */
  algorithm?: ClientAssertionAlgorithm | undefined;
  /** Lifetime of one assertion in seconds, default 60. */
  assertionLifetimeSeconds?: number | undefined;
}

/** `tls_client_auth` (RFC 8705 §2.1) settings: the client certificate presented on token requests. */
export interface TlsClientAuthOptions {
  /** PEM client certificate (chain), or a provider of it (a function, or `{ file }` read again when it changes). */
  cert: CredentialSource<string>;
  /** PEM private key of the certificate, or a provider of it (rolled over with `cert`). Never logged. */
  key: CredentialSource<string>;
  /** Passphrase of an encrypted `key`. Never logged. */
  passphrase?: string | undefined;
  /** PEM CA certificate(s) trusted for the token endpoint's server certificate, when not a public CA. */
  ca?: string | string[] | undefined;
}
