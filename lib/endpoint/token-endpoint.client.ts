import { type AxiosInstance, isAxiosError } from 'axios';
import { isTokenEndpointNonceChallenge } from '../dpop/dpop-challenge.js';
import type { DpopSigner } from '../dpop/dpop-signer.interface.js';
import type { EndpointRequest } from '../errors/endpoint-request.js';
import { TokenEndpointError } from '../errors/token-endpoint.error.js';
import { TokenError } from '../errors/token.error.js';
import { TokenResponseError } from '../errors/token-response.error.js';
import { TokenTimeoutError } from '../errors/token-timeout.error.js';
import { abortError } from '../internal/abort-error.js';
import { redactSecrets } from '../internal/redact-secrets.js';
import { RequestDeadline } from '../internal/request-deadline.js';
import type { ResolvedTokenOptions } from '../options/resolved-token-options.js';
import { MAX_TOKEN_RESPONSE_BYTES } from '../options/token-options.defaults.js';
import type { TokenParameterSet } from '../options/token-request-parameters.interface.js';
import { createClientAuthentication, type ClientAuthentication } from './client-authentication.js';
import { createEndpointHttp } from './endpoint-http.js';
import type { IssuedToken } from '../core/issued-token.interface.js';
import { currentTracedRequest } from '../core/current-traced-request.js';
import type { TracedRequest } from '../core/token-tracer.interface.js';
import { serverClockOffsetMs } from './server-clock-offset.js';
import { type EndpointTracing, tracedExchange } from './traced-exchange.js';
import { quoteServerText } from './server-text.js';
import {
  type AnswerContext,
  parseJsonObject,
  parseTokenResponse,
  type TokenEndpointAnswer,
  toEndpointError,
} from './token-response.parser.js';

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
  readonly #tracing: EndpointTracing | undefined;

  readonly #tokenRequest: EndpointRequest;

  /** With `dpop`, every attempt carries a fresh proof and a `use_dpop_nonce` answer is resent once. */
  constructor(options: ResolvedTokenOptions, dpop?: DpopSigner, tracing?: EndpointTracing) {
    this.#options = options;
    this.#dpop = dpop;
    this.#tracing = tracing;
    this.#authentication = createClientAuthentication(options);
    this.#http = createEndpointHttp();
    this.#tokenRequest = { method: 'POST', url: options.tokenUrl };
  }

  /** The form body of the token request, without client credentials. */
  private buildRequestBody({ scope, audience, resources, extraParams }: TokenParameterSet): URLSearchParams {
    const body = new URLSearchParams({ grant_type: 'client_credentials' });
    if (scope) body.set('scope', scope);
    if (audience) body.set('audience', audience);
    for (const resource of resources) body.append('resource', resource);
    for (const [name, value] of Object.entries(extraParams)) body.set(name, value);
    return body;
  }

  /**
   * Requests a token for `parameters` (default: the registration's). Rejects with a `TokenError` subclass;
   * `signal` aborts this one request.
   */
  async requestToken(signal?: AbortSignal, parameters: TokenParameterSet = this.#options): Promise<IssuedToken> {
    const { tokenUrl, defaultExpiresInSeconds, clock } = this.#options;
    const context = this.answerContext(this.#tokenRequest);
    const traced = currentTracedRequest();
    let sentAtMs = clock();
    // Each attempt gets a fresh body, client assertion and DPoP proof: none of them may be replayed.
    const attempt = async () => {
      const dpopHeaders: Record<string, string> = this.#dpop ? { DPoP: await this.#dpop.proofFor('POST', tokenUrl) } : {};
      sentAtMs = clock();
      const sent = await this.postForm(context, this.buildRequestBody(parameters), signal, dpopHeaders);
      traced?.status(sent.status);
      return sent;
    };
    let answer = await attempt();
    // RFC 9449 §8: the IdP demands a nonce by answering 400 use_dpop_nonce with a DPoP-Nonce header.
    // One resend with that nonce; a second challenge is returned as the error, so this never loops.
    const nonceArrived = this.#dpop?.rememberNonce(tokenUrl, answer.dpopNonce) ?? false;
    if (nonceArrived && isTokenEndpointNonceChallenge(answer.status, answer.body)) {
      traced?.event('dpop_nonce_resend');
      answer = await attempt();
      this.#dpop?.rememberNonce(tokenUrl, answer.dpopNonce);
    }
    // A rotated credential (RFC 6749 §5.2 invalid_client, or 401): read it again and resend once, only
    // when it changed. The single flight above this call shares the re-read among all callers, and a
    // second refusal is the error (then the cooldown), so a wrong credential never loops.
    if (isClientRejected(answer) && (await this.#authentication.credentialsChanged(signal))) answer = await attempt();
    const receivedAtMs = clock();
    const issued = this.parse(context, () =>
      parseTokenResponse(answer, defaultExpiresInSeconds, receivedAtMs, context, { acceptedTokenTypes: this.#dpop?.acceptedTokenTypes }),
    );
    const offsetMs = serverClockOffsetMs({ dateHeader: answer.date, accessToken: issued.accessToken, sentAtMs, receivedAtMs });
    return offsetMs === undefined ? issued : { ...issued, serverClockOffsetMs: offsetMs };
  }

  /** RFC 7009: asks the server to revoke `token`. Resolves when the server answered 2xx. */
  async revokeToken(token: string, signal?: AbortSignal): Promise<void> {
    const url = this.#options.revocationUrl;
    if (url === undefined) return;
    await tracedExchange(this.#tracing, 'revocation', url, (traced) =>
      this.postTokenHint({ endpoint: 'revocation', method: 'POST', url }, token, signal, traced),
    );
  }

  /** RFC 7662: whether the server still considers `token` active. */
  async introspectToken(token: string, signal?: AbortSignal): Promise<boolean> {
    const request: EndpointRequest = { endpoint: 'introspection', method: 'POST', url: this.#options.introspectionUrl! };
    const answer = await tracedExchange(this.#tracing, 'introspection', request.url!, (traced) =>
      this.postTokenHint(request, token, signal, traced),
    );
    const payload = parseJsonObject(answer.body);
    if (payload === undefined || typeof payload.active !== 'boolean') {
      throw new TokenResponseError(answer.status, 'no boolean "active" member', request);
    }
    return payload.active;
  }

  /** Trades `code` for a session token: POST `{ code }` as JSON with `bearerToken` (the client-credentials token). */
  async exchangeSession(url: string, code: string, bearerToken: string, signal?: AbortSignal): Promise<IssuedToken> {
    const context = this.answerContext({ endpoint: 'session exchange', method: 'POST', url }, [code, bearerToken]);
    const answer = await tracedExchange(this.#tracing, 'session_exchange', url, async (traced) => {
      const headers = { 'Content-Type': 'application/json', Authorization: `Bearer ${bearerToken}` };
      const sent = await this.send(context, JSON.stringify({ code }), headers, signal);
      traced?.status(sent.status);
      return sent;
    });
    return this.parse(context, () =>
      parseTokenResponse(answer, this.#options.defaultExpiresInSeconds, this.#options.clock(), context, { tokenTypeOptional: true }),
    );
  }

  /** What errors about `request` name, and the secrets scrubbed from them: the client's credentials and `carried`. */
  private answerContext(request: EndpointRequest, carried: readonly string[] = []): AnswerContext {
    // Shorter strings would scrub ordinary words out of messages; no credential is that short. A getter:
    // a changing credential is known only once the request has read it.
    const authentication = this.#authentication;
    return {
      request,
      get secrets() {
        return [...authentication.secrets, ...carried].filter((secret) => secret.length >= 4);
      },
    };
  }

  /** Runs a parser; its errors quote server text, which is scrubbed like transport errors. */
  private parse<T>(context: AnswerContext, parser: () => T): T {
    try {
      return parser();
    } catch (error) {
      throw redact(error as Error, context.secrets);
    }
  }

  /** The RFC 7009 / RFC 7662 request for an access token; a non-2xx answer rejects with the endpoint's error. */
  private async postTokenHint(
    request: EndpointRequest,
    token: string,
    signal: AbortSignal | undefined,
    traced: TracedRequest | undefined,
  ): Promise<TokenEndpointAnswer> {
    // The server's error text may quote the token it was sent, as transport errors may.
    const context = this.answerContext(request, [token]);
    const answer = await this.postForm(context, new URLSearchParams({ token, token_type_hint: 'access_token' }), signal);
    traced?.status(answer.status);
    if (answer.status < 200 || answer.status > 299) throw redact(toEndpointError(answer, this.#options.clock(), context), context.secrets);
    return answer;
  }

  private async postForm(
    context: AnswerContext,
    body: URLSearchParams,
    signal?: AbortSignal,
    extraHeaders: Record<string, string> = {},
  ): Promise<TokenEndpointAnswer> {
    const credentials = await this.#authentication.credentialsFor(this.#options.tokenUrl, signal);
    for (const [name, value] of Object.entries(credentials.formFields)) body.set(name, value);
    return this.send(context, body.toString(), { 'Content-Type': FORM, ...credentials.headers, ...extraHeaders }, signal);
  }

  /** One request under its own deadline, released as soon as it settles (never tied to `signal` beyond that). */
  private async send(
    context: AnswerContext,
    body: string,
    headers: Record<string, string>,
    signal: AbortSignal | undefined,
  ): Promise<TokenEndpointAnswer> {
    const { requestTimeoutMs } = this.#options;
    const deadline = new RequestDeadline(requestTimeoutMs, signal);
    try {
      // The deadline's signal is the one timer: an axios `timeout` as well would arm a second one per request.
      // Per request: with tls_client_auth the agent changes when the certificate rolls over.
      const httpsAgent = this.#authentication.httpsAgent;
      const response = await this.#http.post<string>(context.request.url!, body, {
        ...(httpsAgent !== undefined ? { httpsAgent } : {}),
        headers: { Accept: 'application/json', ...headers },
        signal: deadline.signal,
      });
      const header = (name: string) => (typeof response.headers[name] === 'string' ? response.headers[name] : undefined);
      return {
        status: response.status,
        body: typeof response.data === 'string' ? response.data : '',
        retryAfter: header('retry-after'),
        dpopNonce: header('dpop-nonce'),
        date: header('date'),
      };
    } catch (error) {
      throw redact(this.translate(error, deadline, context, signal), context.secrets);
    } finally {
      deadline.settle();
    }
  }

  /** Maps transport failures to our error classes; the axios error (which holds the request config and its credentials) is never passed on. */
  private translate(error: unknown, deadline: RequestDeadline, { request, secrets }: AnswerContext, signal?: AbortSignal): Error {
    if (error instanceof TokenError) return error;
    if (signal?.aborted) return abortError(signal);
    if (deadline.expired) return new TokenTimeoutError(this.#options.requestTimeoutMs, request);
    if (isAxiosError(error)) {
      if (error.code === 'ECONNABORTED' || error.code === 'ETIMEDOUT')
        return new TokenTimeoutError(this.#options.requestTimeoutMs, request);
      if (error.message.includes('maxContentLength')) {
        return new TokenResponseError(error.response?.status ?? 200, `body exceeds ${MAX_TOKEN_RESPONSE_BYTES} bytes`, request);
      }
      const code = quoteServerText(error.code ?? 'ERR_NETWORK', secrets, 40);
      return new TokenEndpointError({ ...request, code }, { cause: new Error(quoteServerText(`${code}: ${error.message}`, secrets)) });
    }
    const cause = new Error(quoteServerText(String((error as Error)?.message ?? error), secrets));
    return new TokenEndpointError({ ...request, code: 'ERR_UNKNOWN' }, { cause });
  }
}

/** RFC 6749 §5.2: the server did not accept the client's credentials. */
function isClientRejected(answer: TokenEndpointAnswer): boolean {
  return answer.status === 401 || (answer.status === 400 && parseJsonObject(answer.body)?.error === 'invalid_client');
}

/** Defence in depth: scrub credentials (and the token or code a request carried) from any text an error carries. */
function redact<E extends Error>(error: E, secrets: readonly string[]): E {
  const scrub = (text: string) => redactSecrets(text, secrets);
  for (const key of ['message', 'errorDescription', 'error', 'errorUri'] as const) {
    const value = (error as Record<string, unknown>)[key];
    if (typeof value === 'string')
      Object.defineProperty(error, key, { value: scrub(value), enumerable: key !== 'message', configurable: true, writable: true });
  }
  if (error.stack) error.stack = scrub(error.stack);
  return error;
}
