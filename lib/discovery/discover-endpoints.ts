import { isAxiosError } from 'axios';
import { Agent as HttpsAgent } from 'node:https';
import { createEndpointHttp } from '../endpoint/endpoint-http.js';
import { type EndpointTracing, tracedExchange } from '../endpoint/traced-exchange.js';
import { parseJsonObject } from '../endpoint/token-response.parser.js';
import type { EndpointRequest } from '../errors/endpoint-request.js';
import { TokenConfigError } from '../errors/token-config.error.js';
import { TokenEndpointError } from '../errors/token-endpoint.error.js';
import { TokenTimeoutError } from '../errors/token-timeout.error.js';
import { escapeControlCharacters } from '../internal/escape-control-characters.js';
import { RequestDeadline } from '../internal/request-deadline.js';
import { urlForDisplay } from '../internal/url-for-display.js';
import type { ResolvedTokenOptions } from '../options/resolved-token-options.js';

/**
 * With `issuer`, reads the authorization server metadata at startup: OpenID Connect Discovery
 * (`<issuer>/.well-known/openid-configuration`), then RFC 8414
 * (`<origin>/.well-known/oauth-authorization-server<path>`). The metadata's `issuer` must equal the
 * configured one (RFC 8414 §3.3, against mix-up); under an `https` issuer its endpoints must be `https`
 * too, but for loopback hosts or with `allowHttpDiscoveredEndpoints`. Explicit `revocationUrl` / `introspectionUrl` win
 * over discovered ones. Fails with `TokenEndpointError` (unreachable, non-2xx) or `TokenConfigError`
 * (unusable metadata), so the application does not start half-configured.
 * @internal
 */
export async function discoverEndpoints(options: ResolvedTokenOptions, tracing?: EndpointTracing): Promise<ResolvedTokenOptions> {
  if (options.issuer === undefined) return options;
  // One span for the discovery, over both well-known locations it may try.
  const metadata = await tracedExchange(tracing, 'discovery', discoveryUrls(options.issuer)[0], () => fetchMetadata(options));
  const problems: { field: string; message: string }[] = [];
  const endpoint = (name: string): string | undefined => {
    const value = metadata[name];
    if (value === undefined) return undefined;
    const url = typeof value === 'string' && /^https?:\/\//.test(value) ? URL.parse(value) : null;
    if (url === null) problems.push({ field: 'issuer', message: `discovered ${name} is not an http(s) URL` });
    else if (isPlainHttpUnderHttps(url, options)) {
      problems.push({
        field: 'issuer',
        message: `discovered ${name} ${urlForDisplay(url.href)} is plain http under an https issuer: credentials and tokens would travel in clear (plain http is accepted only for loopback hosts, or with allowHttpDiscoveredEndpoints: true)`,
      });
    } else return value as string;
    return undefined;
  };
  if (trimSlash(String(metadata.issuer)) !== trimSlash(options.issuer)) {
    problems.push({ field: 'issuer', message: 'the discovery document names a different issuer' });
  }
  const tokenUrl = endpoint('token_endpoint');
  if (tokenUrl === undefined && !problems.length)
    problems.push({ field: 'issuer', message: 'the discovery document has no token_endpoint' });
  const revocationUrl = options.revocationUrl ?? endpoint('revocation_endpoint');
  const introspectionUrl = options.introspectionUrl ?? endpoint('introspection_endpoint');
  if (options.revokeOnShutdown && revocationUrl === undefined) {
    problems.push({ field: 'revokeOnShutdown', message: 'the issuer has no revocation_endpoint; set revocationUrl' });
  }
  if (problems.length > 0) throw new TokenConfigError(problems);
  return options.with({ tokenUrl: tokenUrl!, revocationUrl, introspectionUrl });
}

/**
 * An `http://` endpoint under an `https` issuer, off loopback and without the opt-in: metadata a TLS
 * proxy published without forwarded headers (Keycloak does), which would send the client secret as
 * Basic auth in clear. Loopback stays allowed: a sidecar or a local test IdP.
 */
function isPlainHttpUnderHttps(url: URL, options: ResolvedTokenOptions): boolean {
  if (options.allowHttpDiscoveredEndpoints || !options.issuer!.startsWith('https:')) return false;
  return url.protocol === 'http:' && !isLoopbackHost(url.hostname);
}

function isLoopbackHost(hostname: string): boolean {
  return hostname === 'localhost' || hostname.endsWith('.localhost') || hostname === '[::1]' || /^127(\.\d{1,3}){3}$/.test(hostname);
}

/** The metadata URLs to try, in order. */
function discoveryUrls(issuer: string): string[] {
  const url = new URL(issuer);
  const path = trimSlash(url.pathname);
  return [`${trimSlash(issuer)}/.well-known/openid-configuration`, `${url.origin}/.well-known/oauth-authorization-server${path}`];
}

async function fetchMetadata(options: ResolvedTokenOptions): Promise<Record<string, unknown>> {
  const ca = options.tlsClientAuth?.ca;
  const http = createEndpointHttp(ca !== undefined ? new HttpsAgent({ ca }) : undefined);
  let lastFailure: TokenEndpointError | undefined;
  for (const url of discoveryUrls(options.issuer!)) {
    const request: EndpointRequest = { endpoint: 'discovery', method: 'GET', url };
    const deadline = new RequestDeadline(options.requestTimeoutMs);
    let response;
    try {
      response = await http.get<string>(url, {
        headers: { Accept: 'application/json' },
        timeout: options.requestTimeoutMs,
        signal: deadline.signal,
      });
    } catch (error) {
      if (deadline.expired || (isAxiosError(error) && (error.code === 'ECONNABORTED' || error.code === 'ETIMEDOUT'))) {
        throw new TokenTimeoutError(options.requestTimeoutMs, request);
      }
      const code = isAxiosError(error) ? (error.code ?? 'ERR_NETWORK') : 'ERR_UNKNOWN';
      throw new TokenEndpointError(
        { ...request, code },
        { cause: new Error(escapeControlCharacters(`${code}: ${(error as Error).message}`)) },
      );
    } finally {
      deadline.settle();
    }
    if (response.status < 200 || response.status > 299) {
      lastFailure = new TokenEndpointError({ ...request, status: response.status });
      continue;
    }
    const metadata = parseJsonObject(typeof response.data === 'string' ? response.data : '');
    if (metadata === undefined)
      throw new TokenConfigError([{ field: 'issuer', message: `the discovery document at ${urlForDisplay(url)} is not a JSON object` }]);
    return metadata;
  }
  // Both documents missing: the error names the last URL tried (RFC 8414's), docs/client-authentication.md names both.
  throw lastFailure!;
}

function trimSlash(text: string): string {
  return text.replace(/\/+$/, '');
}
