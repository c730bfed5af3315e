import type { KeyObject } from 'node:crypto';
import { inspect } from 'node:util';
import type { ExternalAssertion } from '../credentials/client-assertion.js';
import { credentialHash } from '../credentials/credential-hash.js';
import type { CredentialProvider } from '../credentials/credential-provider.js';
import type { ResolvedDpopOptions } from './resolved-dpop-options.js';
import { clientFingerprint } from './client-fingerprint.js';
import { stripUndefined } from '../internal/strip-undefined.js';
import { printableOptions } from './printable-options.js';
import type { Defaulted } from './defaulted.js';
import type { TableOf } from './token-option-table.js';
import type { TOKEN_OPTION_DEFAULTS } from './token-options.defaults.js';
import type { ResolvedHttpOptions } from './resolved-http-options.js';
import type { ResolvedTokenRetryOptions } from './token-retry-options.interface.js';
import type { ClientAssertionAlgorithm, TokenModuleOptions } from './token-module-options.interface.js';

/** The public (non-secret) part of the `private_key_jwt` settings. @internal */
export interface ResolvedPrivateKeyJwt {
  readonly kid?: string | undefined;
  readonly algorithm: ClientAssertionAlgorithm;
  readonly assertionLifetimeSeconds: number;
}

/** The public (non-secret) part of the `tls_client_auth` settings; the certificate and key are providers in `ClientCredentials`. @internal */
export interface ResolvedTlsClientAuth {
  readonly ca?: string | string[] | undefined;
}

/** Options whose resolved value is the option itself, always set: required, or defaulted (fixed or computed). */
type DefaultedOption = 'clientId' | keyof typeof TOKEN_OPTION_DEFAULTS | 'storeLeaseMs' | 'storeWaitMs';

/** Options passed on as given (URLs normalised), absent when not set. */
type PassedOption = 'issuer' | 'audience' | 'revocationUrl' | 'introspectionUrl' | 'store';

/** Settings whose shape differs from their option: normalised, split from their secrets, or derived from several. */
interface NormalisedSettings {
  /** The token endpoint; with `issuer`, empty until discovery has filled it in. */
  readonly tokenUrl: string;
  /** Space-separated, empty parts dropped; absent when empty. */
  readonly scope?: string | undefined;
  /** The `resource` option as a list. */
  readonly resources: readonly string[];
  readonly extraParams: Readonly<Record<string, string>>;
  readonly privateKeyJwt?: ResolvedPrivateKeyJwt | undefined;
  readonly tlsClientAuth?: ResolvedTlsClientAuth | undefined;
  readonly retry: ResolvedTokenRetryOptions;
  /** Revoke-and-refetch is on: only when `revocationUrl` was configured explicitly, never by discovery alone. */
  readonly revokeAgingTokens: boolean;
  /** Session-exchange URL as configured (absolute, or a reference resolved against `tokenUrl`). */
  readonly sessionExchangeUrl?: string | undefined;
  /** The authorized HTTP client's configuration; undefined when the `http` option is absent. */
  readonly http?: ResolvedHttpOptions | undefined;
  /** DPoP settings; undefined when DPoP is off. */
  readonly dpop?: ResolvedDpopOptions | undefined;
}

/**
 * The validated, defaulted options every part of the module works from, derived from
 * `TokenModuleOptions` so an option's type is written once. @internal
 */
export type ResolvedTokenSettings = Defaulted<Pick<TokenModuleOptions, DefaultedOption>> &
  Readonly<Pick<TokenModuleOptions, PassedOption>> &
  NormalisedSettings;

/** Secret material; held in a private field, read only by the endpoint client and the token sources. @internal */
export interface ClientCredentials {
  readonly clientSecret?: CredentialProvider<string> | undefined;
  readonly privateKey?: CredentialProvider<KeyObject> | undefined;
  readonly clientAssertion?: CredentialProvider<ExternalAssertion> | undefined;
  readonly tlsCert?: CredentialProvider<string> | undefined;
  readonly tlsKey?: CredentialProvider<string> | undefined;
  readonly tlsPassphrase?: string | undefined;
  readonly sessionCode?: string | undefined;
}

/** The settings, readable as fields of the class below (declaration merging: the field list is not written twice). @internal */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type, @typescript-eslint/no-unsafe-declaration-merging -- deliberate: the constructor assigns these fields
export interface ResolvedTokenOptions extends ResolvedTokenSettings {}

/**
 * Validated options. Secrets (client secret, private keys, session code) live in a private field: they
 * are invisible to `util.inspect`, `JSON.stringify` and object spreading.
 * @internal
 */
// eslint-disable-next-line @typescript-eslint/no-unsafe-declaration-merging -- deliberate, see the interface above
export class ResolvedTokenOptions {
  readonly #credentials: ClientCredentials;
  #clientFingerprint: string | undefined;

  constructor(settings: ResolvedTokenSettings, credentials: ClientCredentials) {
    Object.assign(this, stripUndefined(settings));
    this.#credentials = credentials;
  }

  /**
   * The client's fingerprint (see `clientFingerprint`), computed once: what store keys derive from
   * (`tokenCacheKey`, `sharedDpopKeyStoreKey`), so they need neither these options nor the secrets.
   * Credentials enter it only as `credentialHash`, which reveals nothing and changes when they do.
   */
  get clientFingerprint(): string {
    this.#clientFingerprint ??= clientFingerprint({
      ...this,
      credentialHash: credentialHash(this.#credentials),
      sessionCode: this.#credentials.sessionCode,
    });
    return this.#clientFingerprint;
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
  maxCachedTokens: 'value',
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
  refreshInBackground: 'value',
  allowHttpDiscoveredEndpoints: 'value',
};
