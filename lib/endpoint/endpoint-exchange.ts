import { type AxiosInstance, isAxiosError } from 'axios';
import type { Agent as HttpsAgent } from 'node:https';
import { TokenEndpointError } from '../errors/token-endpoint.error.js';
import { TokenError } from '../errors/token.error.js';
import { TokenResponseError } from '../errors/token-response.error.js';
import { TokenTimeoutError } from '../errors/token-timeout.error.js';
import { abortError } from '../internal/abort-error.js';
import { RequestDeadline } from '../internal/request-deadline.js';
import { MAX_TOKEN_RESPONSE_BYTES } from '../options/token-options.defaults.js';
import { redactError } from './redact-error.js';
import { quoteServerText } from './server-text.js';
import type { AnswerContext, TokenEndpointAnswer } from './token-response.parser.js';

/** One POST to an authorization-server endpoint. @internal */
export interface EndpointExchange {
  readonly context: AnswerContext;
  readonly body: string;
  readonly headers: Record<string, string>;
  readonly requestTimeoutMs: number;
  /** Read per request: with tls_client_auth the agent changes when the certificate rolls over. */
  readonly httpsAgent: HttpsAgent | undefined;
  readonly signal: AbortSignal | undefined;
}

/**
 * Sends one request under its own deadline, released as soon as it settles (never tied to `signal`
 * beyond that), and reads the answer as text (the body size is capped by `createEndpointHttp`).
 * Transport failures reject with our error classes, scrubbed of the context's secrets.
 * @internal
 */
export async function exchangeWithEndpoint(http: AxiosInstance, exchange: EndpointExchange): Promise<TokenEndpointAnswer> {
  const { context, body, headers, requestTimeoutMs, httpsAgent, signal } = exchange;
  const deadline = new RequestDeadline(requestTimeoutMs, signal);
  try {
    // The deadline's signal is the one timer: an axios `timeout` as well would arm a second one per request.
    const response = await http.post<string>(context.request.url!, body, {
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
    throw redactError(translate(error, deadline, exchange), context.secrets);
  } finally {
    deadline.settle();
  }
}

/** Maps transport failures to our error classes; the axios error (which holds the request config and its credentials) is never passed on. */
function translate(error: unknown, deadline: RequestDeadline, { context, requestTimeoutMs, signal }: EndpointExchange): Error {
  const { request, secrets } = context;
  if (error instanceof TokenError) return error;
  if (signal?.aborted) return abortError(signal);
  if (deadline.expired) return new TokenTimeoutError(requestTimeoutMs, request);
  if (isAxiosError(error)) {
    if (error.code === 'ECONNABORTED' || error.code === 'ETIMEDOUT') return new TokenTimeoutError(requestTimeoutMs, request);
    if (error.message.includes('maxContentLength')) {
      return new TokenResponseError(error.response?.status ?? 200, `body exceeds ${MAX_TOKEN_RESPONSE_BYTES} bytes`, request);
    }
    const code = quoteServerText(error.code ?? 'ERR_NETWORK', secrets, 40);
    return new TokenEndpointError({ ...request, code }, { cause: new Error(quoteServerText(`${code}: ${error.message}`, secrets)) });
  }
  const cause = new Error(quoteServerText(String((error as Error)?.message ?? error), secrets));
  return new TokenEndpointError({ ...request, code: 'ERR_UNKNOWN' }, { cause });
}
