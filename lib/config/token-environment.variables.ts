/**
 * How the text of one environment variable becomes an option value. `key`: a PEM private key (with
 * `\n` escapes turned into line breaks) or a private JWK as JSON text.
 */
export type TokenEnvironmentKind = 'string' | 'number' | 'boolean' | 'list' | 'form' | 'key';

/** One documented environment variable and the option it sets. */
export interface TokenEnvironmentVariable {
  /** Variable name, e.g. `OAUTH2_TOKEN_URL`. */
  readonly name: string;
  /** Option path it sets, e.g. `tokenUrl` or `http.baseURL`. */
  readonly option: string;
  readonly kind: TokenEnvironmentKind;
  /**
   * The variable holds the path of a file whose content is the value (`…_FILE`, as Docker and
   * Kubernetes secrets are mounted), read once at startup; trailing line breaks are dropped.
   */
  readonly file?: true;
  /**
   * With `file`: the option becomes `{ file: path }`, so the file is read again whenever it changes
   * (a rotated Kubernetes secret, a renewed projected token) instead of once at startup.
   */
  readonly live?: true;
}

/**
 * Every environment variable `tokenConfig` reads. The one place that maps variables to options;
 * the table in docs/configuration.md lists the same rows. An empty variable counts as unset. Two variables of one option
 * (`OAUTH2_CLIENT_SECRET` and `OAUTH2_CLIENT_SECRET_FILE`) may not both be set.
 */
export const TOKEN_ENVIRONMENT_VARIABLES: readonly TokenEnvironmentVariable[] = [
  { name: 'OAUTH2_TOKEN_URL', option: 'tokenUrl', kind: 'string' },
  { name: 'OAUTH2_CLIENT_ID', option: 'clientId', kind: 'string' },
  { name: 'OAUTH2_CLIENT_SECRET', option: 'clientSecret', kind: 'string' },
  { name: 'OAUTH2_CLIENT_SECRET_FILE', option: 'clientSecret', kind: 'string', file: true, live: true },
  { name: 'OAUTH2_CLIENT_ASSERTION_FILE', option: 'clientAssertion', kind: 'string', file: true, live: true },
  { name: 'OAUTH2_SCOPE', option: 'scope', kind: 'list' },
  { name: 'OAUTH2_AUDIENCE', option: 'audience', kind: 'string' },
  { name: 'OAUTH2_RESOURCE', option: 'resource', kind: 'list' },
  { name: 'OAUTH2_EXTRA_PARAMS', option: 'extraParams', kind: 'form' },
  { name: 'OAUTH2_CLIENT_AUTH_METHOD', option: 'clientAuthMethod', kind: 'string' },
  { name: 'OAUTH2_PRIVATE_KEY', option: 'privateKeyJwt.key', kind: 'key' },
  { name: 'OAUTH2_PRIVATE_KEY_FILE', option: 'privateKeyJwt.key', kind: 'key', file: true, live: true },
  { name: 'OAUTH2_PRIVATE_KEY_KID', option: 'privateKeyJwt.kid', kind: 'string' },
  { name: 'OAUTH2_PRIVATE_KEY_ALGORITHM', option: 'privateKeyJwt.algorithm', kind: 'string' },
  { name: 'OAUTH2_TLS_CERT_FILE', option: 'tlsClientAuth.cert', kind: 'string', file: true, live: true },
  { name: 'OAUTH2_TLS_KEY_FILE', option: 'tlsClientAuth.key', kind: 'string', file: true, live: true },
  { name: 'OAUTH2_TLS_PASSPHRASE', option: 'tlsClientAuth.passphrase', kind: 'string' },
  { name: 'OAUTH2_TLS_PASSPHRASE_FILE', option: 'tlsClientAuth.passphrase', kind: 'string', file: true },
  { name: 'OAUTH2_TLS_CA_FILE', option: 'tlsClientAuth.ca', kind: 'string', file: true },
  { name: 'OAUTH2_REFRESH_MARGIN_SECONDS', option: 'refreshMarginSeconds', kind: 'number' },
  { name: 'OAUTH2_DEFAULT_EXPIRES_IN_SECONDS', option: 'defaultExpiresInSeconds', kind: 'number' },
  { name: 'OAUTH2_REQUEST_TIMEOUT_MS', option: 'requestTimeoutMs', kind: 'number' },
  { name: 'OAUTH2_ISSUER', option: 'issuer', kind: 'string' },
  { name: 'OAUTH2_ALLOW_HTTP_DISCOVERED_ENDPOINTS', option: 'allowHttpDiscoveredEndpoints', kind: 'boolean' },
  { name: 'OAUTH2_CACHE', option: 'cache', kind: 'boolean' },
  { name: 'OAUTH2_REVOCATION_URL', option: 'revocationUrl', kind: 'string' },
  { name: 'OAUTH2_INTROSPECTION_URL', option: 'introspectionUrl', kind: 'string' },
  { name: 'OAUTH2_STABLE_AFTER_SECONDS', option: 'stableAfterSeconds', kind: 'number' },
  { name: 'OAUTH2_REVOKE_ON_SHUTDOWN', option: 'revokeOnShutdown', kind: 'boolean' },
  { name: 'OAUTH2_API_BASE_URL', option: 'http.baseURL', kind: 'string' },
  { name: 'OAUTH2_ALLOWED_ORIGINS', option: 'http.allowedOrigins', kind: 'list' },
  { name: 'OAUTH2_PRESENT_CLIENT_CERTIFICATE', option: 'http.presentClientCertificate', kind: 'boolean' },
  { name: 'OAUTH2_DPOP', option: 'dpop', kind: 'boolean' },
  { name: 'OAUTH2_DPOP_PRIVATE_KEY', option: 'dpop.privateKey', kind: 'key' },
  { name: 'OAUTH2_DPOP_PRIVATE_KEY_FILE', option: 'dpop.privateKey', kind: 'key', file: true },
  { name: 'OAUTH2_DPOP_ALG', option: 'dpop.alg', kind: 'string' },
  { name: 'OAUTH2_DPOP_ALLOW_BEARER_DOWNGRADE', option: 'dpop.allowBearerDowngrade', kind: 'boolean' },
  { name: 'OAUTH2_WARM_UP', option: 'warmUp', kind: 'string' },
  { name: 'OAUTH2_REFRESH_IN_BACKGROUND', option: 'refreshInBackground', kind: 'boolean' },
];
