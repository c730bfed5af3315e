import { numberOption, optionalHttpUrl, type Report, reportUnknownKeys, requireNonEmptyString } from './option-checks.js';
import { optionNames, TOKEN_OPTION_TABLE } from './token-option-table.js';
import { TOKEN_OPTION_DEFAULTS } from './token-options.defaults.js';
import type { ClientCredentials, ResolvedTokenSettings } from './resolved-token-options.js';
import type { TokenModuleOptions } from './token-module-options.interface.js';

type GatewaySettings = Pick<
  ResolvedTokenSettings,
  'cache' | 'revocationUrl' | 'revokeAgingTokens' | 'introspectionUrl' | 'stableAfterSeconds' | 'revokeOnShutdown' | 'sessionExchangeUrl'
>;

/**
 * Checks the token-source options (cache, gateway revocation, stable window, session exchange) and the
 * combinations that cannot work together (a session exchange with `cache: false` or with a fleet `store`).
 * @internal
 */
export function validateGatewayOptions(
  options: Partial<TokenModuleOptions>,
  report: Report,
): { settings: GatewaySettings; secrets: ClientCredentials } {
  const cache = options.cache ?? TOKEN_OPTION_DEFAULTS.cache;
  if (typeof cache !== 'boolean') report('cache', 'must be a boolean');
  const revocationUrl = optionalHttpUrl(options.revocationUrl, 'revocationUrl', report);
  const introspectionUrl = optionalHttpUrl(options.introspectionUrl, 'introspectionUrl', report);
  const stableAfterSeconds = numberOption(options, 'stableAfterSeconds', 0, report);
  const revokeOnShutdown = options.revokeOnShutdown ?? TOKEN_OPTION_DEFAULTS.revokeOnShutdown;
  if (typeof revokeOnShutdown !== 'boolean') report('revokeOnShutdown', 'must be a boolean');
  // With discovery the revocation endpoint may still come from the issuer's metadata (checked there).
  if (revokeOnShutdown === true && revocationUrl === undefined && options.issuer === undefined) {
    report('revokeOnShutdown', 'needs revocationUrl (or issuer discovery that provides a revocation endpoint)');
  }
  if (cache === false && stableAfterSeconds > 0) report('stableAfterSeconds', 'has no effect with cache: false');

  let sessionExchangeUrl: string | undefined;
  let sessionCode: string | undefined;
  const exchange = options.sessionExchange;
  if (exchange !== undefined && exchange !== null) {
    if (typeof exchange !== 'object') {
      report('sessionExchange', 'must be an object { url, code }');
    } else {
      reportUnknownKeys(exchange, optionNames(TOKEN_OPTION_TABLE.sessionExchange), 'sessionExchange.', report);
      sessionExchangeUrl = requireNonEmptyString(exchange.url, 'sessionExchange.url', report);
      // A relative URL resolves against the token URL; an absolute one must be http(s). Trimmed: the
      // whitespace was reported just above, once.
      if (sessionExchangeUrl !== undefined && /^\s*[a-z][a-z0-9+.-]*:/i.test(sessionExchangeUrl)) {
        optionalHttpUrl(sessionExchangeUrl.trim(), 'sessionExchange.url', report);
      }
      sessionCode = requireNonEmptyString(exchange.code, 'sessionExchange.code', report);
      if (cache === false) report('sessionExchange', 'needs cache: the code is single-use, so the session token must be kept');
      // A session token belongs to its code: in a fleet store every registration of the client would adopt it.
      if (options.store !== undefined && options.store !== null)
        report('sessionExchange', 'cannot be used with store: a session token belongs to one session and is never shared with a fleet');
      if (stableAfterSeconds > 0)
        report('stableAfterSeconds', 'cannot be used with sessionExchange (a session token cannot be re-verified)');
    }
  }
  return {
    settings: {
      cache: cache === true,
      revocationUrl,
      revokeAgingTokens: revocationUrl !== undefined,
      introspectionUrl,
      stableAfterSeconds,
      revokeOnShutdown: revokeOnShutdown === true,
      sessionExchangeUrl,
    },
    secrets: sessionCode !== undefined ? { sessionCode } : {},
  };
}
