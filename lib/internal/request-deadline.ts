/**
 * The signal of one request: it aborts when `parent` aborts or when `ms` have passed, whichever comes
 * first. `settle()` clears the timer and removes the listener from `parent` as soon as the request is
 * over, so a finished request leaves nothing behind. `AbortSignal.timeout` would keep a timer (and the
 * request's signal) for the full `ms`, and `AbortSignal.any` over a long-lived signal keeps a weak
 * reference per request in it: memory that grows with every token request.
 *
 * The timer is unref'd: a deadline alone never keeps the process alive. While a caller waits on the
 * request, the token manager does (`KeepAliveWhileWaiting`).
 * @internal
 */
export class RequestDeadline {
  readonly #controller = new AbortController();
  readonly #parent: AbortSignal | undefined;
  readonly #timer: NodeJS.Timeout;
  #expired = false;

  constructor(ms: number, parent?: AbortSignal) {
    this.#parent = parent;
    this.#timer = setTimeout(() => {
      this.#expired = true;
      this.#controller.abort(new DOMException('The request deadline passed', 'TimeoutError'));
    }, ms);
    this.#timer.unref();
    if (parent?.aborted) this.onParentAbort();
    else parent?.addEventListener('abort', this.onParentAbort, { once: true });
  }

  /** Aborts the request: on the deadline, or with the parent. */
  get signal(): AbortSignal {
    return this.#controller.signal;
  }

  /** Whether the deadline passed (rather than the parent aborting). */
  get expired(): boolean {
    return this.#expired;
  }

  /** The request is over: releases the timer and the listener on the parent. */
  settle(): void {
    clearTimeout(this.#timer);
    this.#parent?.removeEventListener('abort', this.onParentAbort);
  }

  private readonly onParentAbort = (): void => {
    clearTimeout(this.#timer);
    this.#controller.abort(this.#parent!.reason);
  };
}
