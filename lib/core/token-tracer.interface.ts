/** Which exchange with the authorization server a span records. */
export type TracedOperation = 'token_request' | 'revocation' | 'introspection' | 'session_exchange' | 'discovery';

/** What a span may say about an exchange: never a secret, a token, an assertion or a code. */
export interface TracedExchange {
  readonly operation: TracedOperation;
  /** The endpoint; a tracer records its host, port and path only (a query string may carry a key). */
  readonly url: string;
  /** The name given to `TokenModule.forRoot({ name })`; absent for the unnamed client. */
  readonly clientName?: string | undefined;
  /** `client_credentials` for a token request. */
  readonly grantType?: string | undefined;
  /** For a token request: the label of the cached token it is for (`TokenEntryLabel`), never its parameters. */
  readonly entry?: { readonly id: string; readonly resourceOrigin?: string | undefined } | undefined;
}

/** How a traced exchange ended: `verified` when a stable-window check confirmed the cached token. */
export type TracedOutcome = 'success' | 'failure' | 'verified';

/** One exchange in progress (a token request spans its retries). */
export interface TracedRequest {
  /** A retry after a transient failure (`retry` counts from 1), or the RFC 9449 §8 resend with the server's DPoP nonce. */
  event(name: 'retry' | 'dpop_nonce_resend', attributes?: Readonly<Record<string, string | number>>): void;
  /** The HTTP status of the latest answer. */
  status(httpStatus: number): void;
  /** Ends it; `error` only contributes its class name. */
  end(outcome: TracedOutcome, error?: unknown): void;
}

/** A caller waiting on a token request, its own or a shared one. */
export interface TracedWait {
  end(error?: unknown): void;
}

/**
 * Where the token lifecycle reports exchanges and waits for tracing. Provided under `TOKEN_TRACER` (the
 * OpenTelemetry one by `TokenTracingModule` from `nestjs-client-credentials/otel`); without one nothing is
 * traced and nothing is loaded.
 */
export interface TokenTracer {
  startExchange(exchange: TracedExchange): TracedRequest;
  /** A caller starts waiting on `request`; its span links to the request's. */
  startWait(request: TracedRequest, clientName?: string): TracedWait;
}
