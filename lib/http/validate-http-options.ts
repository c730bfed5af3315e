import type { AxiosRequestConfig } from 'axios';
import type { RetryOn401, TokenHttpOptions } from '../options/token-http-options.interface.js';
import { httpOrigin, resolveAllowedOrigins } from '../authorizer/origin-allowlist.js';
import type { TokenRequestParameters } from '../options/token-request-parameters.interface.js';
import { ResolvedHttpOptions } from '../options/resolved-http-options.js';
import { TOKEN_OPTION_DEFAULTS } from '../options/token-options.defaults.js';
import { type Report, optionalBoolean, requireHttpUrl } from '../options/option-checks.js';

/**
 * Validates the `http` option (part of `validateTokenOptions`, so its problems join the same
 * `TokenConfigError`). `http` absent means no authorized client was configured. `clientAuthMethod`
 * is the module's: `presentClientCertificate` needs the certificate of `tls_client_auth`.
 * @internal
 */
export function validateHttpOptions(value: unknown, report: Report, clientAuthMethod?: string): ResolvedHttpOptions | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'object' || Array.isArray(value)) {
    report('http', 'must be an object of axios options (baseURL, allowedOrigins, timeout, ...)');
    return undefined;
  }
  const {
    allowedOrigins,
    resources: resourcesOption,
    presentClientCertificate: present,
    global: _global,
    ...axiosConfig
  } = value as TokenHttpOptions & { global?: unknown };
  const resources = validateResources(resourcesOption, report);
  const presentClientCertificate = optionalBoolean(present, false, 'http.presentClientCertificate', report);
  if (presentClientCertificate && clientAuthMethod !== 'tls_client_auth') {
    report('http.presentClientCertificate', "needs clientAuthMethod: 'tls_client_auth' (the certificate it presents is tlsClientAuth's)");
  }
  if (presentClientCertificate && axiosConfig.httpsAgent !== undefined) {
    report(
      'http.httpsAgent',
      'cannot be used with http.presentClientCertificate, which sets the agent of allowed origins; remove one of them',
    );
  }
  const baseURL = axiosConfig.baseURL === undefined ? undefined : requireHttpUrl(axiosConfig.baseURL, 'http.baseURL', report);
  const origins = resolveAllowedOrigins(
    baseURL,
    allowedOrigins,
    'http.',
    report,
    // With `resources`, their origins are the allowlist: no other origin is required.
    (axiosConfig.baseURL !== undefined && baseURL === undefined) || resources.size > 0,
  );
  if (presentClientCertificate && axiosConfig.adapter !== undefined && axiosConfig.adapter !== 'http') {
    report('http.adapter', "must be 'http' (or absent) with http.presentClientCertificate: only Node's http adapter takes an HTTPS agent");
  }
  if (presentClientCertificate && origins.includes('*')) {
    report('http.presentClientCertificate', "cannot be used with allowedOrigins ['*']: name the origins that get the client certificate");
  }
  // An origin given its own token parameters is one the developer means to send that token to.
  if (!origins.includes('*')) for (const origin of resources.keys()) if (!origins.includes(origin)) origins.push(origin);
  if (hasAuthorizationHeader(axiosConfig.headers)) {
    report('http.headers', 'must not set Authorization: the module sets the Bearer token for allowed origins');
  }
  return new ResolvedHttpOptions(axiosConfig, origins, resources, presentClientCertificate);
}

/** `http.resources`: origins (`scheme://host[:port]`) to objects of token parameters; the parameters are checked by the manager at startup. */
function validateResources(value: unknown, report: Report): Map<string, TokenRequestParameters> {
  const resources = new Map<string, TokenRequestParameters>();
  if (value === undefined || value === null) return resources;
  if (typeof value !== 'object' || Array.isArray(value)) {
    report('http.resources', 'must be an object from API origin to token parameters ({ resource, scope, audience, extraParams })');
    return resources;
  }
  Object.entries(value).forEach(([key, parameters], index) => {
    const origin = httpOrigin(key);
    if (origin === undefined || origin !== key.replace(/\/$/, ''))
      report(`http.resources[${index}]`, 'must be keyed by an origin such as "https://api.example.com"');
    else if (parameters === null || typeof parameters !== 'object' || Array.isArray(parameters))
      report(`http.resources[${index}]`, 'must be an object of token parameters');
    else resources.set(origin, parameters as TokenRequestParameters);
  });
  return resources;
}

/** Validates `retryOn401`, default true. @internal */
export function validateRetryOn401(value: unknown, report: Report): RetryOn401 {
  if (value === undefined || value === null) return TOKEN_OPTION_DEFAULTS.retryOn401;
  if (typeof value === 'boolean' || typeof value === 'function') return value as RetryOn401;
  report('retryOn401', 'must be a boolean or a function (error) => boolean');
  return TOKEN_OPTION_DEFAULTS.retryOn401;
}

function hasAuthorizationHeader(headers: AxiosRequestConfig['headers']): boolean {
  if (headers === undefined || headers === null || typeof headers !== 'object') return false;
  const sections = [
    headers,
    ...['common', 'get', 'post', 'put', 'patch', 'delete', 'head', 'options'].map((method) => (headers as Record<string, unknown>)[method]),
  ];
  return sections.some(
    (section) =>
      section !== null && typeof section === 'object' && Object.keys(section).some((name) => name.toLowerCase() === 'authorization'),
  );
}
