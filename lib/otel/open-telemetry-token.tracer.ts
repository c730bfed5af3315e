import { type Attributes, type Span, SpanKind, SpanStatusCode, trace, type Tracer } from '@opentelemetry/api';
import { inspect } from 'node:util';
import type { TokenTracer, TracedExchange, TracedOutcome, TracedRequest, TracedWait } from '../core/token-tracer.interface.js';
import { entryAttributes } from './entry-attributes.js';

/** Name of the tracer the spans are recorded on when none is given. */
export const TOKEN_TRACER_NAME = 'nestjs-client-credentials';

/** Span names: `oauth2.<operation>` for exchanges with the authorization server, and a caller's wait for a token. */
export const TOKEN_SPANS = {
  tokenRequest: 'oauth2.token_request',
  revocation: 'oauth2.revocation',
  introspection: 'oauth2.introspection',
  sessionExchange: 'oauth2.session_exchange',
  discovery: 'oauth2.discovery',
  tokenWait: 'oauth2.token_wait',
} as const;

const DEFAULT_PORTS: Readonly<Record<string, number>> = { 'https:': 443, 'http:': 80 };

/** The span of one exchange. Only names, the endpoint's host, port and path, counts and classes go on it. */
class SpanOfExchange implements TracedRequest {
  constructor(readonly span: Span) {}

  event(name: 'retry' | 'dpop_nonce_resend', attributes?: Readonly<Record<string, string | number>>): void {
    this.span.addEvent(name, attributes);
  }

  status(httpStatus: number): void {
    this.span.setAttribute('http.response.status_code', httpStatus);
  }

  end(outcome: TracedOutcome, error?: unknown): void {
    endSpan(this.span, { 'oauth2.outcome': outcome }, outcome === 'failure' ? error : undefined);
  }
}

/**
 * The OpenTelemetry `TokenTracer` (see `TokenTracingModule`): a CLIENT span per exchange with the
 * authorization server (a token request spans its retries, each an event), and an INTERNAL span per
 * caller that waited for a token, linked to the token request it waited on, under the caller's active
 * context, so a slow API call's trace shows the wait. Spans carry the client name, the endpoint's host,
 * port and path, the grant type, the outcome, the HTTP status and error classes: never a secret, a
 * token, an assertion, a code, a query string or an error message.
 */
export class OpenTelemetryTokenTracer implements TokenTracer {
  readonly #tracer: Tracer;

  /** `tracer`: default the global provider's `nestjs-client-credentials` tracer (a no-op until an SDK is registered). */
  constructor(tracer?: Tracer) {
    this.#tracer = tracer ?? trace.getTracer(TOKEN_TRACER_NAME);
  }

  startExchange({ operation, url, clientName, grantType, entry }: TracedExchange): TracedRequest {
    const endpoint = new URL(url);
    const attributes: Attributes = {
      'server.address': endpoint.hostname,
      'server.port': endpoint.port === '' ? (DEFAULT_PORTS[endpoint.protocol] ?? 0) : Number(endpoint.port),
      'url.path': endpoint.pathname,
      ...(grantType !== undefined ? { 'oauth2.grant_type': grantType } : {}),
      ...(clientName !== undefined ? { 'oauth2.client.name': clientName } : {}),
      ...(entry !== undefined ? entryAttributes(entry) : {}),
    };
    return new SpanOfExchange(this.#tracer.startSpan(`oauth2.${operation}`, { kind: SpanKind.CLIENT, attributes }));
  }

  startWait(request: TracedRequest, clientName?: string): TracedWait {
    const links = request instanceof SpanOfExchange ? [{ context: request.span.spanContext() }] : [];
    const attributes: Attributes = clientName !== undefined ? { 'oauth2.client.name': clientName } : {};
    const span = this.#tracer.startSpan(TOKEN_SPANS.tokenWait, { kind: SpanKind.INTERNAL, links, attributes });
    return { end: (error?: unknown) => endSpan(span, { 'oauth2.outcome': error === undefined ? 'success' : 'failure' }, error) };
  }

  [inspect.custom](): string {
    return 'OpenTelemetryTokenTracer';
  }
}

/** Ends `span`; a failure sets the ERROR status and `error.type` to the error's class, never its message. */
function endSpan(span: Span, attributes: Attributes, error: unknown): void {
  span.setAttributes(attributes);
  if (error !== undefined) {
    const errorType = error instanceof Error ? error.name : 'Error';
    span.setAttribute('error.type', errorType);
    span.setStatus({ code: SpanStatusCode.ERROR, message: errorType });
  }
  span.end();
}
