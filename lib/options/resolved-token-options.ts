import type { KeyObject } from 'node:crypto';
import { inspect } from 'node:util';
import type { ExternalAssertion } from '../credentials/client-assertion.js';
import type { CredentialProvider } from '../credentials/credential-provider.js';
import type { ResolvedDpopOptions } from '../dpop/resolved-dpop-options.js';
import { stripUndefined } from '../internal/strip-undefined.js';
import { printableOptions } from './printable-options.js';
import type { TableOf } from './token-option-table.js';
import type { RetryOn401 } from '../http/http-options.interface.js';
import type { ResolvedHttpOptions } from './resolved-http-options.js';
import type { TokenStore } from '../store/token-store.interface.js';
import type { ResolvedTokenRetryOptions } from './token-retry-options.interface.js';
import type { ClientAssertionAlgorithm, ClientAuthMethod, Clock, WarmUpMode } from './token-module-options.interface.js';

/** The public (non-secret) part of the `private_key_jwt` settings. @internal */
export interface ResolvedPrivateKeyJwt {
  readonly kid?: string;
  readonly algorithm: ClientAssertionAlgorithm;
  readonly assertionLifetimeSeconds: number;
}

/** The public (non-secret) part of the `tls_client_auth` settings; the certificate and key are providers in `ClientCredentials`. @internal */
export interface ResolvedTlsClientAuth {
  readonly ca?: string | string[];
}

/** The validated, defaulted options every part of the module works from. @internal */
export interface ResolvedTokenSettings {
  /** The token endpoint; with `issuer`, empty until discovery has filled it in. */
  readonly tokenUrl: string;
  readonly issuer?: string;
  readonly clientId: string;
  readonly scope?: string;
  readonly audience?: string;
  readonly resources: readonly string[];
  readonly extraParams: Readonly<Record<string, string>>;
  readonly clientAuthMethod: ClientAuthMethod;
  readonly privateKeyJwt?: ResolvedPrivateKeyJwt;
  readonly tlsClientAuth?: ResolvedTlsClientAuth;
  readonly refreshMarginSeconds: number;
  readonly defaultExpiresInSeconds: number;
  readonly requestTimeoutMs: number;
  readonly retry: ResolvedTokenRetryOptions;
  readonly failureCooldownMs: number;
  readonly clock: Clock;
  readonly cache: boolean;
  /** RFC 7009 endpoint: configured, or discovered from the issuer. */
  readonly revocationUrl?: string;
  /** Revoke-and-refetch is on: only when `revocationUrl` was configured explicitly, never by discovery alone. */
  readonly revokeAgingTokens: boolean;
  readonly introspectionUrl?: string;
  readonly stableAfterSeconds: number;
  readonly revokeOnShutdown: boolean;
  /** Session-exchange URL as configured (absolute, or a reference resolved against `tokenUrl`). */
  readonly sessionExchangeUrl?: string;
  /** The authorized HTTP client's configuration; undefined when the `http` option is absent. */
  readonly http?: ResolvedHttpOptions;
  readonly retryOn401: RetryOn401;
  readonly store?: TokenStore;
  readonly storeLeaseMs: number;
  readonly storeWaitMs: number;
  /** DPoP settings; undefined when DPoP is off. */
  readonly dpop?: ResolvedDpopOptions;
  readonly warmUp: WarmUpMode;
  readonly allowHttpDiscoveredEndpoints: boolean;
}

/** Secret material; held in a private field, read only by the endpoint client and the token sources. @internal */
export interface ClientCredentials {
  readonly clientSecret?: CredentialProvider<string>;
  readonly privateKey?: CredentialProvider<KeyObject>;
  readonly clientAssertion?: CredentialProvider<ExternalAssertion>;
  readonly tlsCert?: CredentialProvider<string>;
  readonly tlsKey?: CredentialProvider<string>;
  readonly tlsPassphrase?: string;
  readonly sessionCode?: string;
}

/**
 * Validated options. Secrets (client secret, private keys, session code) live in a private field: they
 * are invisible to `util.inspect`, `JSON.stringify` and object spreading.
 * @internal
 */
export class ResolvedTokenOptions implements ResolvedTokenSettings {
  readonly tokenUrl!: string;
  readonly issuer?: string;
  readonly clientId!: string;
  readonly scope?: string;
  readonly audience?: string;
  readonly resources!: readonly string[];
  readonly extraParams!: Readonly<Record<string, string>>;
  readonly clientAuthMethod!: ClientAuthMethod;
  readonly privateKeyJwt?: ResolvedPrivateKeyJwt;
  readonly tlsClientAuth?: ResolvedTlsClientAuth;
  readonly refreshMarginSeconds!: number;
  readonly defaultExpiresInSeconds!: number;
  readonly requestTimeoutMs!: number;
  readonly retry!: ResolvedTokenRetryOptions;
  readonly failureCooldownMs!: number;
  readonly clock!: Clock;
  readonly cache!: boolean;
  readonly revocationUrl?: string;
  readonly revokeAgingTokens!: boolean;
  readonly introspectionUrl?: string;
  readonly stableAfterSeconds!: number;
  readonly revokeOnShutdown!: boolean;
  readonly sessionExchangeUrl?: string;
  readonly http?: ResolvedHttpOptions;
  readonly retryOn401!: RetryOn401;
  readonly store?: TokenStore;
  readonly storeLeaseMs!: number;
  readonly storeWaitMs!: number;
  readonly dpop?: ResolvedDpopOptions;
  readonly warmUp!: WarmUpMode;
  readonly allowHttpDiscoveredEndpoints!: boolean;
  readonly #credentials: ClientCredentials;

  constructor(settings: ResolvedTokenSettings, credentials: ClientCredentials) {
    Object.assign(this, stripUndefined(settings));
    this.#credentials = credentials;
  }

  /** Every secret, for client authentication and the session exchange only. */
  revealCredentials(): ClientCredentials {
    return this.#credentials;
  }

  /** A copy with other settings (discovered endpoints), keeping the secrets. */
  with(changes: Partial<ResolvedTokenSettings>): ResolvedTokenOptions {
    return new ResolvedTokenOptions({ ...(this as ResolvedTokenSettings), ...changes }, this.#credentials);
  }

  /** The settings without secrets: endpoint URLs without their query string, `extraParams` values redacted. */
  toJSON(): Record<string, unknown> {
    return { ...printableOptions(this, RESOLVED_SETTINGS_TABLE), clientSecret: '[redacted]' };
  }

  [inspect.custom](): string {
    return `ResolvedTokenOptions ${inspect(this.toJSON())}`;
  }
}

/** How each resolved setting prints (see `OptionDisplay`); the compiler reports a setting it forgets. */
const RESOLVED_SETTINGS_TABLE: TableOf<ResolvedTokenSettings> = {
  tokenUrl: 'url',
  issuer: 'url',
  clientId: 'value',
  scope: 'value',
  audience: 'value',
  resources: 'url',
  extraParams: 'values-redacted',
  clientAuthMethod: 'value',
  privateKeyJwt: 'value',
  tlsClientAuth: 'value',
  refreshMarginSeconds: 'value',
  defaultExpiresInSeconds: 'value',
  requestTimeoutMs: 'value',
  retry: 'value',
  failureCooldownMs: 'value',
  clock: 'value',
  cache: 'value',
  revocationUrl: 'url',
  revokeAgingTokens: 'value',
  introspectionUrl: 'url',
  stableAfterSeconds: 'value',
  revokeOnShutdown: 'value',
  sessionExchangeUrl: 'url',
  http: 'object',
  retryOn401: 'value',
  store: 'object',
  storeLeaseMs: 'value',
  storeWaitMs: 'value',
  dpop: 'object',
  warmUp: 'value',
  allowHttpDiscoveredEndpoints: 'value',
};
