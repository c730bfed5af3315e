import axios, { type AxiosInstance, type AxiosResponse, isAxiosError } from 'axios';
import { isTokenEndpointNonceChallenge } from '../dpop/dpop-challenge.js';
import type { DpopSigner } from '../dpop/dpop-signer.interface.js';
import { TokenEndpointError } from '../errors/token-endpoint.error.js';
import { TokenError } from '../errors/token.error.js';
import { TokenResponseError } from '../errors/token-response.error.js';
import { TokenTimeoutError } from '../errors/token-timeout.error.js';
import type { ResolvedTokenOptions } from '../options/resolved-token-options.js';
import { MAX_TOKEN_RESPONSE_BYTES } from '../options/token-options.defaults.js';
import { authenticateClient, type ClientAuthentication } from './client-authentication.js';
import type { IssuedToken } from './issued-token.interface.js';
import { parseTokenResponse } from './token-response.parser.js';

/**
 * Sends the RFC 6749 §4.4 client-credentials request. This is the one place that decides what goes
 * to the token endpoint. It owns a private axios instance: never the process-global default, never
 * one that carries the Bearer interceptor, and it follows no redirects (credentials must not travel
 * to another host).
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
    this.#authentication = authenticateClient(options.clientAuthMethod, options.clientId, options.revealClientSecret());
    this.#http = axios.create({
      maxRedirects: 0,
      maxContentLength: MAX_TOKEN_RESPONSE_BYTES,
      responseType: 'text',
      transformResponse: [(data: unknown) => data],
      validateStatus: () => true,
    });
  }

  /** The form body of the token request (without client credentials when they travel in a header). */
  buildRequestBody(): URLSearchParams {
    const { scope, audience, resources, extraParams } = this.#options;
    const body = new URLSearchParams({ grant_type: 'client_credentials' });
    if (scope) body.set('scope', scope);
    if (audience) body.set('audience', audience);
    for (const resource of resources) body.append('resource', resource);
    for (const [name, value] of Object.entries(extraParams)) body.set(name, value);
    for (const [name, value] of Object.entries(this.#authentication.formFields)) body.set(name, value);
    return body;
  }

  /** Requests a token. Rejects with a `TokenError` subclass; `signal` aborts this one request. */
  async requestToken(signal?: AbortSignal): Promise<IssuedToken> {
    const { tokenUrl, requestTimeoutMs, defaultExpiresInSeconds, clock } = this.#options;
    const deadline = AbortSignal.timeout(requestTimeoutMs);
    try {
      const send = async (): Promise<AxiosResponse<string>> =>
        this.#http.post<string>(tokenUrl, this.buildRequestBody().toString(), {
          headers: {
            Accept: 'application/json',
            'Content-Type': 'application/x-www-form-urlencoded',
            ...this.#authentication.headers,
            ...(this.#dpop ? { DPoP: await this.#dpop.proofFor('POST', tokenUrl) } : {}),
          },
          timeout: requestTimeoutMs,
          signal: signal ? AbortSignal.any([signal, deadline]) : deadline,
        });
      let response = await send();
      // RFC 9449 §8: the IdP demands a nonce by answering 400 use_dpop_nonce with a DPoP-Nonce header.
      // One resend with that nonce; a second challenge is returned as the error, so this never loops.
      const nonceArrived = this.#dpop?.rememberNonce(tokenUrl, response.headers['dpop-nonce']) ?? false;
      if (nonceArrived && isTokenEndpointNonceChallenge(response.status, bodyText(response))) {
        response = await send();
        this.#dpop?.rememberNonce(tokenUrl, response.headers['dpop-nonce']);
      }
      const retryAfter = response.headers['retry-after'];
      return parseTokenResponse(
        { status: response.status, body: bodyText(response), retryAfter: typeof retryAfter === 'string' ? retryAfter : undefined },
        defaultExpiresInSeconds,
        clock(),
        this.#dpop?.acceptedTokenTypes,
      );
    } catch (error) {
      throw this.redact(this.translate(error, deadline, signal));
    }
  }

  /** Maps transport failures to our error classes; the axios error (which holds the request config and its credentials) is never passed on. */
  private translate(error: unknown, deadline: AbortSignal, signal?: AbortSignal): Error {
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
      return new TokenEndpointError({ code }, { cause });
    }
    return new TokenEndpointError({ code: 'ERR_UNKNOWN' }, { cause: new Error(String((error as Error)?.message ?? error)) });
  }

  /** Defence in depth: scrub credentials from any server-provided text an error carries. */
  private redact<E extends Error>(error: E): E {
    const secrets = this.#authentication.secrets.filter((secret) => secret.length >= 4);
    const scrub = (text: string) => secrets.reduce((result, secret) => result.split(secret).join('[redacted]'), text);
    for (const key of ['message', 'errorDescription', 'error', 'errorUri'] as const) {
      const value = (error as Record<string, unknown>)[key];
      if (typeof value === 'string') Object.defineProperty(error, key, { value: scrub(value), enumerable: key !== 'message', configurable: true, writable: true });
    }
    if (error.stack) error.stack = scrub(error.stack);
    return error;
  }
}

function bodyText(response: AxiosResponse<string>): string {
  return typeof response.data === 'string' ? response.data : '';
}

/** The standard abort error for a caller whose signal fired. */
export function abortError(signal: AbortSignal): Error {
  return signal.reason instanceof Error ? signal.reason : new DOMException('The operation was aborted', 'AbortError');
}
