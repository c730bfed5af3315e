import { type AxiosInstance, isAxiosError } from 'axios';
import { TokenEndpointError, type TokenEndpointErrorDetails } from '../errors/token-endpoint.error.js';
import { isTokenEndpointNonceChallenge } from '../dpop/dpop-challenge.js';
import type { DpopSigner } from '../dpop/dpop-signer.interface.js';
import { TokenError } from '../errors/token.error.js';
import { abortError } from '../internal/abort-error.js';
import { TokenResponseError } from '../errors/token-response.error.js';
import { TokenTimeoutError } from '../errors/token-timeout.error.js';
import type { ResolvedTokenOptions } from '../options/resolved-token-options.js';
import { MAX_TOKEN_RESPONSE_BYTES } from '../options/token-options.defaults.js';
import { createClientAuthentication, type ClientAuthentication } from './client-authentication.js';
import { createEndpointHttp } from './endpoint-http.js';
import type { IssuedToken } from './issued-token.interface.js';
import { parseJsonObject, parseTokenResponse, type TokenEndpointAnswer, toEndpointError } from './token-response.parser.js';
import { redactSecrets } from '../internal/redact-secrets.js';

type EndpointName = TokenEndpointErrorDetails['endpoint'];
const FORM = 'application/x-www-form-urlencoded';

/**
 * Sends the RFC 6749 §4.4 client-credentials request, and the RFC 7009 revocation, RFC 7662
 * introspection and session-exchange requests. This is the one place that decides what goes to the
 * authorization server; every request is client-authenticated the same way, bounded by
 * `requestTimeoutMs`, and its errors are scrubbed of credentials.
 * @internal
 */
export class TokenEndpointClient {
  readonly #options: ResolvedTokenOptions;
  readonly #authentication: ClientAuthentication;
  readonly #http: AxiosInstance;
  readonly #dpop: DpopSigner | undefined;

  /** With `dpop`, every attempt carries a fresh proof and a `use_dpop_nonce` answer is resent once. */
  constructor(options: ResolvedTokenOptions, dpop?: DpopSigner) {
    this.#options = options;
    this.#dpop = dpop;
    this.#authentication = createClientAuthentication(options);
    this.#http = createEndpointHttp(this.#authentication.httpsAgent);
  }

  /** The form body of the token request, without client credentials. */
  private buildRequestBody(): URLSearchParams {
    const { scope, audience, resources, extraParams } = this.#options;
    const body = new URLSearchParams({ grant_type: 'client_credentials' });
    if (scope) body.set('scope', scope);
    if (audience) body.set('audience', audience);
    for (const resource of resources) body.append('resource', resource);
    for (const [name, value] of Object.entries(extraParams)) body.set(name, value);
    return body;
  }

  /** Requests a token. Rejects with a `TokenError` subclass; `signal` aborts this one request. */
  async requestToken(signal?: AbortSignal): Promise<IssuedToken> {
    const { tokenUrl, defaultExpiresInSeconds, clock } = this.#options;
    // Each attempt gets a fresh body, client assertion and DPoP proof: none of them may be replayed.
    const attempt = async () => {
      const dpopHeaders: Record<string, string> = this.#dpop ? { DPoP: await this.#dpop.proofFor('POST', tokenUrl) } : {};
      return this.postForm(tokenUrl, this.buildRequestBody(), undefined, signal, dpopHeaders);
    };
    let answer = await attempt();
    // RFC 9449 §8: the IdP demands a nonce by answering 400 use_dpop_nonce with a DPoP-Nonce header.
    // One resend with that nonce; a second challenge is returned as the error, so this never loops.
    const nonceArrived = this.#dpop?.rememberNonce(tokenUrl, answer.dpopNonce) ?? false;
    if (nonceArrived && isTokenEndpointNonceChallenge(answer.status, answer.body)) {
      answer = await attempt();
      this.#dpop?.rememberNonce(tokenUrl, answer.dpopNonce);
    }
    return this.parse(() => parseTokenResponse(answer, defaultExpiresInSeconds, clock(), { acceptedTokenTypes: this.#dpop?.acceptedTokenTypes }));
  }

  /** RFC 7009: asks the server to revoke `token`. Resolves when the server answered 2xx. */
  async revokeToken(token: string, signal?: AbortSignal): Promise<void> {
    const url = this.#options.revocationUrl;
    if (url !== undefined) await this.postTokenHint(url, token, 'revocation', signal);
  }

  /** RFC 7662: whether the server still considers `token` active. */
  async introspectToken(token: string, signal?: AbortSignal): Promise<boolean> {
    const answer = await this.postTokenHint(this.#options.introspectionUrl!, token, 'introspection', signal);
    const payload = parseJsonObject(answer.body);
    if (payload === undefined || typeof payload.active !== 'boolean') {
      throw new TokenResponseError(answer.status, 'introspection answer has no boolean "active" member');
    }
    return payload.active;
  }

  /** Trades `code` for a session token: POST `{ code }` as JSON with `bearerToken` (the client-credentials token). */
  async exchangeSession(url: string, code: string, bearerToken: string, signal?: AbortSignal): Promise<IssuedToken> {
    const answer = await this.send(url, JSON.stringify({ code }), { 'Content-Type': 'application/json', Authorization: `Bearer ${bearerToken}` }, 'session exchange', signal, [code, bearerToken]);
    return this.parse(
      () => parseTokenResponse(answer, this.#options.defaultExpiresInSeconds, this.#options.clock(), { tokenTypeOptional: true, endpoint: 'session exchange' }),
      [code, bearerToken],
    );
  }

  /** Runs a parser; its errors quote server text, which is scrubbed like transport errors. */
  private parse<T>(parser: () => T, secrets: readonly string[] = []): T {
    try {
      return parser();
    } catch (error) {
      throw this.redact(error as Error, secrets);
    }
  }

  /** The RFC 7009 / RFC 7662 request for an access token; a non-2xx answer rejects with the endpoint's error. */
  private async postTokenHint(url: string, token: string, endpoint: 'revocation' | 'introspection', signal?: AbortSignal): Promise<TokenEndpointAnswer> {
    const answer = await this.postForm(url, new URLSearchParams({ token, token_type_hint: 'access_token' }), endpoint, signal);
    // The server's error text may quote the token it was sent, as transport errors may.
    if (answer.status < 200 || answer.status > 299) throw this.redact(toEndpointError(answer, this.#options.clock(), endpoint), [token]);
    return answer;
  }

  private async postForm(url: string, body: URLSearchParams, endpoint: EndpointName, signal?: AbortSignal, extraHeaders: Record<string, string> = {}): Promise<TokenEndpointAnswer> {
    const credentials = await this.#authentication.credentialsFor(this.#options.tokenUrl);
    for (const [name, value] of Object.entries(credentials.formFields)) body.set(name, value);
    const secrets = endpoint === undefined ? [] : [body.get('token') ?? ''];
    return this.send(url, body.toString(), { 'Content-Type': FORM, ...credentials.headers, ...extraHeaders }, endpoint, signal, secrets);
  }

  private async send(url: string, body: string, headers: Record<string, string>, endpoint: EndpointName, signal: AbortSignal | undefined, secrets: string[]): Promise<TokenEndpointAnswer> {
    const { requestTimeoutMs } = this.#options;
    const deadline = AbortSignal.timeout(requestTimeoutMs);
    try {
      const response = await this.#http.post<string>(url, body, {
        headers: { Accept: 'application/json', ...headers },
        timeout: requestTimeoutMs,
        signal: signal ? AbortSignal.any([signal, deadline]) : deadline,
      });
      const header = (name: string) => (typeof response.headers[name] === 'string' ? (response.headers[name] as string) : undefined);
      return { status: response.status, body: typeof response.data === 'string' ? response.data : '', retryAfter: header('retry-after'), dpopNonce: header('dpop-nonce') };
    } catch (error) {
      throw this.redact(this.translate(error, deadline, endpoint, signal), secrets);
    }
  }

  /** Maps transport failures to our error classes; the axios error (which holds the request config and its credentials) is never passed on. */
  private translate(error: unknown, deadline: AbortSignal, endpoint: EndpointName, signal?: AbortSignal): Error {
    if (error instanceof TokenError) return error;
    if (signal?.aborted) return abortError(signal);
    if (deadline.aborted) return new TokenTimeoutError(this.#options.requestTimeoutMs);
    if (isAxiosError(error)) {
      if (error.code === 'ECONNABORTED' || error.code === 'ETIMEDOUT') return new TokenTimeoutError(this.#options.requestTimeoutMs);
      if (error.message.includes('maxContentLength')) {
        return new TokenResponseError(error.response?.status ?? 200, `body exceeds ${MAX_TOKEN_RESPONSE_BYTES} bytes`);
      }
      const code = error.code ?? 'ERR_NETWORK';
      const cause = new Error(`${code}: ${error.message}`);
      return new TokenEndpointError({ code, endpoint }, { cause });
    }
    return new TokenEndpointError({ code: 'ERR_UNKNOWN', endpoint }, { cause: new Error(String((error as Error)?.message ?? error)) });
  }

  /** Defence in depth: scrub credentials (and the token or code a request carried) from any text an error carries. */
  private redact<E extends Error>(error: E, extra: readonly string[] = []): E {
    const secrets = [...this.#authentication.secrets, ...extra].filter((secret) => secret.length >= 4);
    const scrub = (text: string) => redactSecrets(text, secrets);
    for (const key of ['message', 'errorDescription', 'error', 'errorUri'] as const) {
      const value = (error as Record<string, unknown>)[key];
      if (typeof value === 'string') Object.defineProperty(error, key, { value: scrub(value), enumerable: key !== 'message', configurable: true, writable: true });
    }
    if (error.stack) error.stack = scrub(error.stack);
    return error;
  }
}
