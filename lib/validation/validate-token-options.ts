import { validateDpopOption } from '../dpop/validate-dpop-option.js';
import { TokenConfigError, type TokenConfigProblem } from '../errors/token-config.error.js';
import { defaultStoreLeaseMs, TOKEN_OPTION_DEFAULTS } from '../options/token-options.defaults.js';
import { validateRetryOptions } from '../options/validate-retry-options.js';
import { ResolvedTokenOptions } from '../options/resolved-token-options.js';
import type { ClientAuthMethod, TokenModuleOptions, WarmUpMode } from '../options/token-module-options.interface.js';
import {
  numberInRange,
  numberOption,
  oneOf,
  optionalBoolean,
  optionalHttpUrl,
  optionalNonEmptyString,
  reportUnknownKeys,
  requireHttpUrl,
  requireNonEmptyString,
} from '../options/option-checks.js';
import { KNOWN_OPTIONS } from '../options/token-option-table.js';
import { normaliseExtraParams, normaliseResources, normaliseScope } from '../options/token-parameter-checks.js';
import { validateClientCredentials } from '../endpoint/validate-client-credentials.js';
import { validateGatewayOptions } from '../options/validate-gateway-options.js';
import { validateHttpOptions, validateRetryOn401 } from '../http/validate-http-options.js';

const CLIENT_AUTH_METHODS: readonly ClientAuthMethod[] = [
  'client_secret_basic',
  'client_secret_post',
  'client_secret_jwt',
  'private_key_jwt',
  'client_assertion',
  'tls_client_auth',
];
const WARM_UP_MODES: readonly WarmUpMode[] = ['off', 'log', 'fail'];
/** The methods a `store` must have. */
const TOKEN_STORE_METHODS = ['get', 'set', 'deleteIfEqual', 'acquireLease', 'releaseLease'] as const;

/**
 * Checks every option and collects every problem, so one startup failure lists them all.
 * Secret values are never quoted in a problem.
 * @internal
 */
export function validateTokenOptions(raw: unknown): ResolvedTokenOptions {
  const problems: TokenConfigProblem[] = [];
  const report = (field: string, message: string) => problems.push({ field, message });

  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    throw new TokenConfigError([{ field: '(options)', message: 'must be an object' }]);
  }
  const options = raw as Partial<TokenModuleOptions> & Record<string, unknown>;
  reportUnknownKeys(options, KNOWN_OPTIONS, '', report);

  const tokenUrl =
    options.tokenUrl !== undefined || options.issuer === undefined ? requireHttpUrl(options.tokenUrl, 'tokenUrl', report) : undefined;
  const issuer = optionalHttpUrl(options.issuer, 'issuer', report);
  if (options.tokenUrl !== undefined && options.issuer !== undefined) report('issuer', 'set either tokenUrl or issuer, not both');
  const clientId = requireNonEmptyString(options.clientId, 'clientId', report);
  const scope = normaliseScope(options.scope, report);
  const audience = optionalNonEmptyString(options.audience, 'audience', report);
  const resources = normaliseResources(options.resource, report);
  const extraParams = normaliseExtraParams(options.extraParams, report);

  const clientAuthMethod = options.clientAuthMethod ?? TOKEN_OPTION_DEFAULTS.clientAuthMethod;
  if (!CLIENT_AUTH_METHODS.includes(clientAuthMethod)) {
    report('clientAuthMethod', `must be one of ${CLIENT_AUTH_METHODS.join(', ')}`);
  }
  const refreshMarginSeconds = numberOption(options, 'refreshMarginSeconds', 0, report);
  const defaultExpiresInSeconds = numberOption(options, 'defaultExpiresInSeconds', 1, report);
  const requestTimeoutMs = numberOption(options, 'requestTimeoutMs', 1, report);
  // An unknown method is reported above; its credentials are checked as for the default method.
  const clientCredentials = validateClientCredentials(
    options,
    CLIENT_AUTH_METHODS.includes(clientAuthMethod) ? clientAuthMethod : 'client_secret_basic',
    requestTimeoutMs,
    report,
  );
  const retry = validateRetryOptions(options.retry, report);
  const failureCooldownMs = numberOption(options, 'failureCooldownMs', 0, report);
  const maxCachedTokens = numberOption(options, 'maxCachedTokens', 1, report);
  const clock = options.clock ?? TOKEN_OPTION_DEFAULTS.clock;
  if (typeof clock !== 'function') report('clock', 'must be a function returning milliseconds since the epoch');
  const gateway = validateGatewayOptions(options, report);
  const http = validateHttpOptions(options.http, report, clientAuthMethod);
  const retryOn401 = validateRetryOn401(options.retryOn401, report);
  const store = options.store ?? undefined;
  const missing =
    store === undefined
      ? []
      : TOKEN_STORE_METHODS.filter((method) => typeof (store as unknown as Record<string, unknown>)?.[method] !== 'function');
  if (missing.length > 0) report('store', `must be a TokenStore (missing ${missing.join(', ')})`);
  // A store is a cache the fleet shares: with cache: false it would hand out the token nobody keeps.
  if (store !== undefined && options.cache === false)
    report('store', 'cannot be used with cache: false (the store is a cache shared by the fleet); remove one of them');
  const dpop = validateDpopOption(options.dpop, report, requestTimeoutMs);
  const storeLeaseMs = numberInRange(
    options.storeLeaseMs,
    defaultStoreLeaseMs(requestTimeoutMs, gateway.settings.revokeAgingTokens, dpop !== undefined),
    'storeLeaseMs',
    1,
    report,
  );
  const storeWaitMs = numberInRange(options.storeWaitMs, storeLeaseMs + requestTimeoutMs, 'storeWaitMs', 0, report);
  const warmUp = oneOf(options.warmUp, WARM_UP_MODES, TOKEN_OPTION_DEFAULTS.warmUp, 'warmUp', report);
  const allowHttpDiscoveredEndpoints = optionalBoolean(
    options.allowHttpDiscoveredEndpoints,
    TOKEN_OPTION_DEFAULTS.allowHttpDiscoveredEndpoints,
    'allowHttpDiscoveredEndpoints',
    report,
  );

  const refreshInBackground = optionalBoolean(
    options.refreshInBackground,
    TOKEN_OPTION_DEFAULTS.refreshInBackground,
    'refreshInBackground',
    report,
  );

  if (problems.length > 0) throw new TokenConfigError(problems);
  return new ResolvedTokenOptions(
    {
      tokenUrl: tokenUrl ?? '',
      issuer,
      clientId: clientId!,
      scope,
      audience,
      resources,
      extraParams,
      clientAuthMethod,
      ...('privateKeyJwt' in clientCredentials ? { privateKeyJwt: clientCredentials.privateKeyJwt } : {}),
      ...('tlsClientAuth' in clientCredentials ? { tlsClientAuth: clientCredentials.tlsClientAuth } : {}),
      refreshMarginSeconds,
      defaultExpiresInSeconds,
      requestTimeoutMs,
      retry,
      failureCooldownMs,
      maxCachedTokens,
      clock,
      ...gateway.settings,
      http,
      retryOn401,
      ...(store !== undefined ? { store } : {}),
      storeLeaseMs,
      storeWaitMs,
      ...(dpop ? { dpop } : {}),
      warmUp,
      allowHttpDiscoveredEndpoints,
      refreshInBackground,
    },
    { ...clientCredentials.secrets, ...gateway.secrets },
  );
}
