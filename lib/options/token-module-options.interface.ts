import type { CredentialFile, CredentialFunction, CredentialSource } from '../credentials/credential-source.interface.js';
import type { DpopOption } from './dpop-options.interface.js';
import type { RetryOn401, TokenHttpOptions } from './token-http-options.interface.js';
import type { TokenStore } from '../core/token-store.interface.js';
import type { TokenRetryOptions } from './token-retry-options.interface.js';

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

/**
 * Whether the first token is requested while the application starts (`app.init()`): `off` (default)
 * waits for the first caller; `log` requests it and logs a failure as a warning, then starts anyway;
 * `fail` makes startup reject with the endpoint's error (a wrong URL, a wrong secret, an IdP that is down).
 */
export type WarmUpMode = 'off' | 'log' | 'fail';

/** A milliseconds-since-epoch clock. Inject a controllable one in tests. */
export type Clock = () => number;

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

/** Session-exchange mode: a client-credentials token is traded once for a session token. */
export interface SessionExchangeOptions {
  /** Exchange endpoint: an absolute URL, or a URL reference resolved against the token URL (`../sessions/exchange`). */
  url: string;
  /** The single-use code sent as `{ "code": ... }`. Never logged. */
  code: string;
}

/**
 * Options of `TokenModule.forRoot()` / `TokenModule.forRootAsync()`.
 *
 * Every option is validated at startup; an invalid one fails with `TokenConfigError`.
 */
export interface TokenModuleOptions {
  /** Absolute `http(s)` URL of the OAuth2 token endpoint. Required unless `issuer` is set. */
  tokenUrl?: string | undefined;
  /**
   * Issuer identifier: the token, revocation and introspection endpoints are read from its
   * `/.well-known/openid-configuration` (or `/.well-known/oauth-authorization-server`) at startup.
   * Use instead of `tokenUrl`.
   */
  issuer?: string | undefined;
  /**
   * Discovery only: accept `http://` token, revocation and introspection endpoints in the metadata of
   * an `https` issuer, default false. Without it only loopback hosts (`localhost`, `127.0.0.0/8`,
   * `[::1]`) may be plain http there: elsewhere the credentials would travel in clear.
   */
  allowHttpDiscoveredEndpoints?: boolean | undefined;
  /** OAuth2 client id. */
  clientId: string;
  /**
   * OAuth2 client secret, for `client_secret_basic`, `client_secret_post` and `client_secret_jwt`: the
   * secret, a function returning it (sync or async), or `{ file }` (read again when it changes). A
   * provider is read when a token request needs it and again after an `invalid_client` answer (one
   * retry when it changed). Never logged, never echoed in errors.
   */
  clientSecret?: CredentialSource<string> | undefined;
  /**
   * For `clientAuthMethod: 'client_assertion'`: where the client assertion (RFC 7523 §2.2) comes from,
   * `{ file }` (a projected Kubernetes service-account token) or a function. Read for each token request;
   * one about to expire is read again, an expired one fails with `CredentialError` naming the source.
   */
  clientAssertion?: CredentialFile | CredentialFunction<string> | undefined;
  /** Requested scope: a space-separated string or a list. Omitted when empty. */
  scope?: string | string[] | undefined;
  /** `audience` parameter (Auth0 and similar). */
  audience?: string | undefined;
  /** RFC 8707 resource indicator(s): absolute URIs, each sent as its own `resource` parameter. */
  resource?: string | string[] | undefined;
  /** Further form parameters for the token request. Cannot override `grant_type` or client credentials. */
  extraParams?: Record<string, string> | undefined;
  /** Client authentication, default `client_secret_basic` (RFC 6749 §2.3.1). */
  clientAuthMethod?: ClientAuthMethod | undefined;
  /** Key and algorithm for `clientAuthMethod: 'private_key_jwt'`. */
  privateKeyJwt?: PrivateKeyJwtOptions | undefined;
  /** Certificate and key for `clientAuthMethod: 'tls_client_auth'`. */
  tlsClientAuth?: TlsClientAuthOptions | undefined;
  /**
   * A token counts as stale this many seconds before it expires, default 300. The effective margin is
   * never more than half the token's lifetime, so short-lived tokens are used for at least half their life.
   */
  refreshMarginSeconds?: number | undefined;
  /** Lifetime assumed when a token response has no `expires_in`, default 3600. */
  defaultExpiresInSeconds?: number | undefined;
  /** Deadline of one token request in milliseconds, default 10000. */
  requestTimeoutMs?: number | undefined;
  /** Retries of transient token-endpoint failures inside one refresh (backoff with full jitter, `Retry-After`). */
  retry?: TokenRetryOptions | undefined;
  /**
   * After a refresh fails for good, callers without a valid token get that same error at once for this
   * many milliseconds (default 2000, or the server's `Retry-After` when longer) instead of each calling
   * the token endpoint again. `0` turns the cooldown off.
   */
  failureCooldownMs?: number | undefined;
  /**
   * How many tokens for per-call parameters (`getAccessToken({ scope, audience, resource, extraParams })`)
   * are cached at most, besides the registration's own (default 100). Past it, the least recently used one
   * is dropped, its refresh-ahead and cooldown with it.
   */
  maxCachedTokens?: number | undefined;
  /** Milliseconds-since-epoch clock, default `Date.now`. For tests. */
  clock?: Clock | undefined;
  /**
   * Cache tokens, default true. `false`: every `getAccessToken()` requests a token; callers that arrive
   * while a request is in flight share it. Not with `store` (a store is a cache too).
   */
  cache?: boolean | undefined;
  /**
   * RFC 7009 revocation endpoint. Enables revoke-and-refetch for gateways that hand out the same token
   * until it expires (WSO2 API Manager): a token that is already within `refreshMarginSeconds` is revoked
   * and fetched again.
   */
  revocationUrl?: string | undefined;
  /** RFC 7662 introspection endpoint: when set, the stable window re-verifies young tokens by introspection. */
  introspectionUrl?: string | undefined;
  /**
   * Stable window, default 0 (off): a token younger than this is re-verified with the server before each
   * use, since another instance sharing the gateway token may have revoked it.
   */
  stableAfterSeconds?: number | undefined;
  /**
   * Revoke the cached token at application shutdown (needs a revocation endpoint). Default false. With
   * `store`, the token is deleted from the store first (compare-and-delete), so the fleet renews it once.
   */
  revokeOnShutdown?: boolean | undefined;
  /** Session-exchange mode (see `SessionExchangeOptions`). Not with `store`: a session token is never shared. */
  sessionExchange?: SessionExchangeOptions | undefined;
  /**
   * The authorized `HttpService` this module exports: axios options (`baseURL`, `timeout`, ...) plus
   * `allowedOrigins`. The token goes only to the origin of `baseURL` and to `allowedOrigins`; one of
   * them is required. Without `http`, the exported `HttpService` rejects every request with
   * `TokenConfigError`, and `TokenManagerService` works as usual.
   */
  http?: TokenHttpOptions | undefined;
  /** Renew the token and resend once on a 401 to a request that carried it. Default true. */
  retryOn401?: RetryOn401 | undefined;
  /**
   * Shares one token per client across a fleet of instances, e.g. `new RedisTokenStore({ redis })`
   * from `nestjs-client-credentials/redis`. The in-process cache stays in front of it: a fresh token
   * never touches the store. Default: none (each instance fetches its own token). Each store call has
   * `requestTimeoutMs` to answer; past it the instance fetches its own token. Not with `cache: false` or
   * `sessionExchange`. See "Running a fleet".
   */
  store?: TokenStore | undefined;
  /**
   * How long the fleet-wide fetch lease lives if its owner dies before releasing it, in milliseconds.
   * It must outlast the owner's slowest fetch, or a second instance takes over and a second token is
   * issued. Default: the requests one fetch can take at worst × `requestTimeoutMs`, + 5000 (one request;
   * up to five with `revocationUrl`; token requests count twice with `dpop`). Only with `store`.
   */
  storeLeaseMs?: number | undefined;
  /**
   * How long an instance waits for the lease owner's token before fetching one itself, in
   * milliseconds. Default `storeLeaseMs + requestTimeoutMs`, so a dead owner's lease can expire and
   * another instance take over first. Only with `store`.
   */
  storeWaitMs?: number | undefined;
  /**
   * Sender-constrained tokens (DPoP, RFC 9449): `true` (or `{ generateKey: true, alg?, allowBearerDowngrade? }`)
   * for a key pair generated at startup, which a fleet with a `store` shares (one key, one token), or
   * `{ privateKey, alg?, allowBearerDowngrade? }` for a key of your own. Token requests then carry a
   * proof and the IdP must answer `token_type: DPoP`. Needs the optional peer `jose`.
   */
  dpop?: DpopOption | undefined;
  /** Request the first token during startup (see `WarmUpMode`), default `'off'`. */
  warmUp?: WarmUpMode | undefined;
  /**
   * Refresh the cached token when it turns stale even when no caller asks, default false: an unref'd timer
   * (jittered by a few percent) starts the usual refresh at `refreshAt`, with its retries, cooldown and
   * stale-if-error; while the IdP is down it tries again with backoff until the token expires. With `store`,
   * only the instance holding the fleet lease requests a token. Stopped by `app.close()`.
   */
  refreshInBackground?: boolean | undefined;
}
