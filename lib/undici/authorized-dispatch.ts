import type { IncomingHttpHeaders } from 'node:http';
import type { Dispatcher } from 'undici';
import type { RequestAuthorizer } from '../authorizer/request-authorizer.js';
import type { RequestGrant } from '../authorizer/request-grant.js';
import { type DispatchHeaders, withCredentials } from './dispatch-headers.js';
import { DispatchAnswer, type DispatchRequest } from './dispatch-request.js';

type Dispatch = Dispatcher['dispatch'];
type Controller = Dispatcher.DispatchController;

/** A 401 bigger than this goes to the caller as it streams, without a resend: holding it must stay cheap. */
const HELD_BODY_LIMIT = 64 * 1024;

/** A 401 to the token, held back until the authorizer says whether to resend. */
interface HeldAnswer {
  readonly answer: DispatchAnswer;
  readonly statusMessage: string | undefined;
  readonly chunks: Buffer[];
  size: number;
}

/**
 * One request the undici interceptor authorized, across its attempts: sends it with the grant's
 * credentials, holds a 401 back while the authorizer decides, and resends with the grant `recover`
 * returns. To the caller's handler it is the one controller of the request, so an abort reaches the
 * wait for a token as well as the attempt in flight.
 * @internal
 */
export class AuthorizedDispatch implements Dispatcher.DispatchHandler, Controller {
  #attempt: Controller | undefined;
  #callerStarted = false;
  #finished = false;
  #reason: Error | null = null;
  #paused = false;
  #held: HeldAnswer | undefined;

  readonly #dispatch: Dispatch;
  readonly #request: DispatchRequest;
  readonly #caller: Dispatcher.DispatchHandler;
  readonly #authorizer: RequestAuthorizer<DispatchAnswer>;
  /** The grant of the attempt in flight; private, as all state here: the caller's handler holds this object. */
  #grant: RequestGrant | undefined;

  constructor(
    dispatch: Dispatch,
    request: DispatchRequest,
    caller: Dispatcher.DispatchHandler,
    authorizer: RequestAuthorizer<DispatchAnswer>,
  ) {
    this.#dispatch = dispatch;
    this.#request = request;
    this.#caller = caller;
    this.#authorizer = authorizer;
  }

  /** Sends with `grant`'s credentials. */
  send(grant: RequestGrant): boolean {
    this.#grant = grant;
    const options = this.#request.options;
    return this.#dispatch({ ...options, headers: withCredentials(options.headers as DispatchHeaders, grant.headers) }, this);
  }

  /** Starts the request for the caller now (so it can abort), and sends once `pending` gives a grant. */
  sendWhenGranted(pending: Promise<RequestGrant | undefined>): boolean {
    this.#callerStarted = true;
    this.#caller.onRequestStart?.(this, {});
    pending.then(
      (grant) => {
        if (this.#finished) return;
        if (grant === undefined) this.#dispatch(this.#request.options, this.#caller);
        else this.send(grant);
      },
      (error: unknown) => this.#fail(error),
    );
    return true;
  }

  onRequestStart(controller: Controller, context: unknown): void {
    this.#attempt = controller;
    if (this.#reason !== null) return controller.abort(this.#reason);
    if (this.#paused) controller.pause();
    if (this.#callerStarted) return;
    this.#callerStarted = true;
    this.#caller.onRequestStart?.(this, context);
  }

  onRequestUpgrade(_controller: Controller, statusCode: number, headers: IncomingHttpHeaders, socket: import('node:stream').Duplex): void {
    this.#caller.onRequestUpgrade?.(this, statusCode, headers, socket);
  }

  onResponseStart(_controller: Controller, statusCode: number, headers: IncomingHttpHeaders, statusMessage?: string): void {
    const grant = this.#grant!;
    if (statusCode === 401 && !grant.credentialsDropped) {
      this.#held = { answer: new DispatchAnswer(statusCode, headers), statusMessage, chunks: [], size: 0 };
      return;
    }
    if (this.#authorizer.readsResponses) this.#authorizer.observe(grant, new DispatchAnswer(statusCode, headers));
    this.#caller.onResponseStart?.(this, statusCode, headers, statusMessage);
  }

  onResponseData(_controller: Controller, chunk: Buffer): void {
    const held = this.#held;
    if (held === undefined) return this.#caller.onResponseData?.(this, chunk);
    held.size += chunk.length;
    if (held.size <= HELD_BODY_LIMIT) return void held.chunks.push(chunk);
    this.#release(held);
    this.#caller.onResponseData?.(this, chunk);
  }

  onResponseEnd(_controller: Controller, trailers: IncomingHttpHeaders): void {
    const held = this.#held;
    if (held !== undefined) {
      this.#held = undefined;
      this.#attempt = undefined;
      void this.#recover(held, trailers);
      return;
    }
    this.#finished = true;
    this.#caller.onResponseEnd?.(this, trailers);
  }

  onResponseError(_controller: Controller, error: Error): void {
    this.#attempt = undefined;
    this.#fail(error);
  }

  abort(reason: Error): void {
    if (this.#finished || this.#reason !== null) return;
    this.#reason = reason;
    this.#request.abortWait(reason);
    // An attempt in flight reports the abort through onResponseError; between attempts, it is ours to report.
    if (this.#attempt !== undefined) this.#attempt.abort(reason);
    else this.#fail(reason);
  }

  pause(): void {
    this.#paused = true;
    this.#attempt?.pause();
  }

  resume(): void {
    this.#paused = false;
    this.#attempt?.resume();
  }

  get aborted(): boolean {
    return this.#reason !== null;
  }

  get paused(): boolean {
    return this.#paused;
  }

  get reason(): Error | null {
    return this.#reason;
  }

  get rawHeaders(): NonNullable<Controller['rawHeaders']> | null {
    return this.#attempt?.rawHeaders ?? null;
  }

  get rawTrailers(): NonNullable<Controller['rawTrailers']> | null {
    return this.#attempt?.rawTrailers ?? null;
  }

  async #recover(held: HeldAnswer, trailers: IncomingHttpHeaders): Promise<void> {
    let next: RequestGrant | undefined;
    try {
      next = await this.#authorizer.recover(this.#grant!, held.answer, this.#request.signal);
    } catch (error) {
      return this.#fail(error);
    }
    if (this.#finished) return;
    if (next !== undefined) {
      this.send(next);
      return;
    }
    this.#release(held);
    this.#finished = true;
    this.#caller.onResponseEnd?.(this, trailers);
  }

  /** Hands a held 401 to the caller as it arrived. */
  #release(held: HeldAnswer): void {
    this.#held = undefined;
    this.#caller.onResponseStart?.(this, held.answer.statusCode, held.answer.headers, held.statusMessage);
    for (const chunk of held.chunks) this.#caller.onResponseData?.(this, chunk);
  }

  #fail(error: unknown): void {
    if (this.#finished) return;
    this.#finished = true;
    // An abort reason is often a DOMException, which need not be an Error of this realm: passed on as it is.
    this.#caller.onResponseError?.(this, typeof error === 'object' && error !== null ? (error as Error) : new Error(String(error)));
  }
}
