import type { DpopGeneratedKeyOptions, DpopKeyOptions } from './dpop-options.interface.js';
import type {
  PrivateKeyJwtOptions,
  SessionExchangeOptions,
  TlsClientAuthOptions,
  TokenModuleOptions,
} from './token-module-options.interface.js';
import type { TokenRetryOptions } from './token-retry-options.interface.js';

/**
 * How a value shows when options are printed (`util.inspect`, `JSON.stringify`): `value` as it is;
 * `secret` as `[redacted]`; `url` without its query string (a function key such as Azure's `?code=`
 * travels there); `values-redacted` with its keys but `[redacted]` values; `object` by its own
 * `toJSON()` (a store), else by its class name; a nested table for an object option.
 * A key no table names shows only when it is a number, boolean or null: it may be a misspelt secret.
 */
export type OptionDisplay = 'value' | 'secret' | 'url' | 'values-redacted' | 'object' | OptionTable;

/** The options of one object, each with how it prints. */
export interface OptionTable {
  readonly [name: string]: OptionDisplay;
}

/** Every key of `T`, optional ones included: the compiler reports an option the table forgets. @internal */
export type TableOf<T> = { readonly [K in keyof Required<T>]: OptionDisplay };

const RETRY: TableOf<TokenRetryOptions> = {
  maxAttempts: 'value',
  initialDelayMs: 'value',
  maxDelayMs: 'value',
  maxRetryAfterSeconds: 'value',
  totalDeadlineMs: 'value',
};
const PRIVATE_KEY_JWT: TableOf<PrivateKeyJwtOptions> = {
  key: 'secret',
  kid: 'value',
  algorithm: 'value',
  assertionLifetimeSeconds: 'value',
};
const TLS_CLIENT_AUTH: TableOf<TlsClientAuthOptions> = { cert: 'value', key: 'secret', passphrase: 'secret', ca: 'value' };
const SESSION_EXCHANGE: TableOf<SessionExchangeOptions> = { url: 'url', code: 'secret' };
const DPOP: TableOf<DpopKeyOptions & DpopGeneratedKeyOptions> = {
  privateKey: 'secret',
  generateKey: 'value',
  alg: 'value',
  allowBearerDowngrade: 'value',
};
/** The axios options are too many to list: these show, the rest (headers, agents, auth) only as numbers or booleans. */
const HTTP: OptionTable = { baseURL: 'url', allowedOrigins: 'value', timeout: 'value', presentClientCertificate: 'value' };

/**
 * Every `TokenModuleOptions` key and how it prints: the list the validator checks names against
 * (with "did you mean …?" for a near miss) and the redacted printing of options objects reads.
 * @internal
 */
export const TOKEN_OPTION_TABLE: TableOf<TokenModuleOptions> = {
  tokenUrl: 'url',
  issuer: 'url',
  clientId: 'value',
  clientSecret: 'secret',
  clientAssertion: 'secret',
  scope: 'value',
  audience: 'value',
  resource: 'url',
  extraParams: 'values-redacted',
  clientAuthMethod: 'value',
  privateKeyJwt: PRIVATE_KEY_JWT,
  tlsClientAuth: TLS_CLIENT_AUTH,
  refreshMarginSeconds: 'value',
  defaultExpiresInSeconds: 'value',
  requestTimeoutMs: 'value',
  retry: RETRY,
  failureCooldownMs: 'value',
  maxCachedTokens: 'value',
  clock: 'value',
  cache: 'value',
  revocationUrl: 'url',
  introspectionUrl: 'url',
  stableAfterSeconds: 'value',
  revokeOnShutdown: 'value',
  sessionExchange: SESSION_EXCHANGE,
  http: HTTP,
  retryOn401: 'value',
  store: 'object',
  storeLeaseMs: 'value',
  storeWaitMs: 'value',
  dpop: DPOP,
  warmUp: 'value',
  refreshInBackground: 'value',
  allowHttpDiscoveredEndpoints: 'value',
};

/** Every `TokenModuleOptions` key, from the table: a key the table forgets does not compile. @internal */
export const KNOWN_OPTIONS = Object.keys(TOKEN_OPTION_TABLE) as readonly (keyof TokenModuleOptions)[];

/** The names of an object option's table, for unknown-key checks (`retry`, `dpop`, ...). @internal */
export function optionNames(table: OptionDisplay): readonly string[] {
  return typeof table === 'object' ? Object.keys(table) : [];
}
