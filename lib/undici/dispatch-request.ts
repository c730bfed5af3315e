import type { IncomingHttpHeaders } from 'node:http';
import type { Dispatcher } from 'undici';
import type { ReceivedResponse } from '../authorizer/credential-scheme.js';
import { httpOrigin } from '../authorizer/origin-allowlist.js';
import { isReplayableBody } from '../authorizer/replayable-body.js';
import type { OutgoingRequest } from '../authorizer/request-authorizer.js';
import { type DispatchHeaders, hasHeader } from './dispatch-headers.js';

/** An answer's status line and headers, as a `retryOn401` predicate of the undici interceptor sees them. */
export interface UndiciAnswer {
  readonly statusCode: number;
  readonly headers: IncomingHttpHeaders;
}

/** An undici answer as the authorizer reads it. @internal */
export class DispatchAnswer implements ReceivedResponse, UndiciAnswer {
  constructor(
    readonly statusCode: number,
    readonly headers: IncomingHttpHeaders,
  ) {}

  get status(): number {
    return this.statusCode;
  }

  header(name: string): unknown {
    return this.headers[name];
  }
}

/**
 * One dispatch as the authorizer reads it. The wait for a token gets an abort signal of its own, made
 * only when a wait happens: the caller aborts through the dispatch controller, not through a signal.
 * @internal
 */
export class DispatchRequest implements OutgoingRequest {
  #tokenWait: AbortController | undefined;

  constructor(
    readonly options: Dispatcher.DispatchOptions,
    readonly origin: string | undefined,
  ) {}

  get method(): string {
    return this.options.method;
  }

  /** Origin and path: the path carries the query, which a DPoP proof leaves out (RFC 9449 §4.2, `htu`). */
  url(): string {
    return `${this.origin}${this.options.path}`;
  }

  /** Its headers, as the authorizer reads them: this object, so that no view is built per request. */
  get headers(): { has(name: string): boolean } {
    return this;
  }

  has(name: string): boolean {
    const headers = this.options.headers as DispatchHeaders;
    return headers !== null && headers !== undefined && hasHeader(headers, name.toLowerCase());
  }

  get replayable(): boolean {
    return isReplayableBody(this.options.body);
  }

  get signal(): AbortSignal {
    return (this.#tokenWait ??= new AbortController()).signal;
  }

  /** Ends a wait for a token (or a renewal) that `signal` was given to. */
  abortWait(reason: Error): void {
    this.#tokenWait?.abort(reason);
  }
}

/**
 * The origin a dispatch goes to: undici's APIs pass `URL.origin` strings, so the last one seen is
 * remembered rather than parsed again.
 * @internal
 */
export function dispatchOriginReader(): (origin: string | URL | undefined) => string | undefined {
  let lastInput: string | undefined;
  let lastOrigin: string | undefined;
  return (origin) => {
    if (origin === undefined) return undefined;
    if (typeof origin !== 'string') return httpOrigin(origin.href);
    if (origin !== lastInput) {
      lastInput = origin;
      lastOrigin = httpOrigin(origin);
    }
    return lastOrigin;
  };
}
