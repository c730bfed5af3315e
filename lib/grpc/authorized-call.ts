import {
  type InterceptingListener,
  type InterceptorOptions,
  type Listener,
  Metadata,
  type NextCall,
  type Requester,
  status,
  type StatusObject,
} from '@grpc/grpc-js';
import { bearerAuthorization, type GrpcTokenSource, tokenFailureDetails } from './grpc-token-source.js';

type LowerCall = ReturnType<NextCall>;
type StartNext = (metadata: Metadata, listener: InterceptingListener | Listener) => void;
type Forward<T> = (value: T) => void;

const CANCELLED: StatusObject = { code: status.CANCELLED, details: 'Cancelled on client', metadata: new Metadata() };
const DEADLINE_EXCEEDED: StatusObject = {
  code: status.DEADLINE_EXCEEDED,
  details: 'Deadline exceeded while waiting for an access token',
  metadata: new Metadata(),
};

/**
 * One client call seen by the token interceptor: it adds our token to a copy of the caller's metadata
 * (the caller's own object never holds it) and, for a unary call, holds the response until its status
 * tells whether the one-shot renewal applies. Steps are listed on `createGrpcTokenInterceptor`.
 */
export class AuthorizedCall {
  /** The caller's metadata, without our token: each attempt gets its own copy. */
  #callerMetadata = new Metadata();
  /** The layer above ours: where a resend's response metadata goes when the first attempt had none. */
  #upper: InterceptingListener | undefined;
  #request: unknown;
  #metadataDelivered = false;
  #cancelled = false;
  #aborter: AbortController | undefined;
  #resend: LowerCall | undefined;

  constructor(
    private readonly tokens: GrpcTokenSource,
    private readonly options: InterceptorOptions,
    private readonly nextCall: NextCall,
    /** Whether an UNAUTHENTICATED answer renews the token and resends the call (unary calls only). */
    private readonly replayable: boolean,
  ) {}

  requester(): Requester {
    return {
      start: (metadata, listener, next) => this.start(metadata, listener, next),
      sendMessage: (message, next) => {
        this.#request = message;
        next(message);
      },
      cancel: (next) => {
        this.#cancelled = true;
        this.#aborter?.abort();
        if (this.#resend !== undefined) this.#resend.cancelWithStatus(CANCELLED.code, CANCELLED.details);
        else next();
      },
    };
  }

  private start(metadata: Metadata, upper: InterceptingListener, next: StartNext): void {
    // Credentials of the caller's own win, and their UNAUTHENTICATED says nothing about our token.
    if (metadata.get('authorization').length > 0) return next(metadata, {});
    this.#callerMetadata = metadata;
    this.#upper = upper;
    const fresh = this.tokens.peekFreshToken?.();
    if (fresh !== undefined) return this.send(fresh, next);
    void this.tokens.getAccessToken({ signal: this.signal() }).then(
      (token) => {
        if (!this.#cancelled) this.send(token, next);
      },
      // Nothing was started below us: the status goes straight to the layer above.
      (error: unknown) => upper.onReceiveStatus(this.failureStatus(error)),
    );
  }

  private send(token: string, next: StartNext): void {
    next(this.authorized(token), this.replayable ? this.firstAttemptListener(token) : this.streamListener(token));
  }

  /** A copy of the caller's metadata carrying `token`. */
  private authorized(token: string): Metadata {
    const metadata = this.#callerMetadata.clone();
    metadata.set('authorization', bearerAuthorization(token));
    return metadata;
  }

  /** A streaming call is not replayed: on UNAUTHENTICATED the token is dropped (if still cached) for the next call. */
  private streamListener(token: string): Listener {
    return {
      onReceiveStatus: (received, next) => {
        if (received.code === status.UNAUTHENTICATED) this.tokens.invalidate(token);
        next(received);
      },
    };
  }

  private firstAttemptListener(rejectable: string): Listener {
    let message: unknown = null;
    let forwardMessage: Forward<unknown> = () => {};
    return {
      onReceiveMetadata: (metadata, next) => {
        this.#metadataDelivered = true;
        next(metadata);
      },
      // Held until the status: a message and an UNAUTHENTICATED status never come together, but a
      // resend's message must take the first attempt's place.
      onReceiveMessage: (received, next) => {
        message = received;
        forwardMessage = next;
      },
      onReceiveStatus: (received, next) => {
        if (received.code !== status.UNAUTHENTICATED) {
          forwardMessage(message);
          return next(received);
        }
        this.renewAndResend(rejectable, received, forwardMessage, next);
      },
    };
  }

  /** Compare-and-invalidate through the manager (one renewal for every call rejected with the same token), then one resend. */
  private renewAndResend(
    rejected: string,
    rejection: StatusObject,
    forwardMessage: Forward<unknown>,
    forwardStatus: Forward<StatusObject>,
  ): void {
    const finish = (answer: StatusObject) => {
      forwardMessage(null);
      forwardStatus(answer);
    };
    void this.tokens.renewRejected(rejected, { signal: this.signal() }).then(
      (token) => {
        if (this.#cancelled) return finish(CANCELLED);
        // The manager could give nothing newer: resending the same token would only be refused again.
        if (token === rejected) return finish(rejection);
        this.tokens.recordUnauthorizedRetry?.();
        this.resend(token, forwardMessage, forwardStatus);
      },
      // A failed renewal is reported by the manager; the caller gets the server's answer.
      () => finish(this.#cancelled ? CANCELLED : this.deadlinePassed() ? DEADLINE_EXCEEDED : rejection),
    );
  }

  /** The single resend: whatever it returns, a second UNAUTHENTICATED included, goes to the caller. */
  private resend(token: string, forwardMessage: Forward<unknown>, forwardStatus: Forward<StatusObject>): void {
    let message: unknown = null;
    const call = this.nextCall(this.options);
    this.#resend = call;
    call.start(this.authorized(token), {
      onReceiveMetadata: (metadata) => {
        if (!this.#metadataDelivered) this.#upper?.onReceiveMetadata(metadata);
      },
      onReceiveMessage: (received: unknown) => {
        message = received;
      },
      onReceiveStatus: (received) => {
        forwardMessage(message);
        forwardStatus(received);
      },
    });
    call.sendMessage(this.#request);
    call.halfClose();
  }

  /** Aborted when the caller cancels the call or its deadline passes, so a wait for a token ends with the call. */
  private signal(): AbortSignal {
    this.#aborter ??= new AbortController();
    const remaining = this.remainingMs();
    return remaining === undefined
      ? this.#aborter.signal
      : AbortSignal.any([this.#aborter.signal, AbortSignal.timeout(Math.max(0, remaining))]);
  }

  private remainingMs(): number | undefined {
    const deadline = this.options.deadline;
    if (deadline === undefined) return undefined;
    const at = deadline instanceof Date ? deadline.getTime() : deadline;
    return Number.isFinite(at) ? at - Date.now() : undefined;
  }

  private deadlinePassed(): boolean {
    const remaining = this.remainingMs();
    return remaining !== undefined && remaining <= 0;
  }

  private failureStatus(error: unknown): StatusObject {
    if (this.#cancelled) return CANCELLED;
    if (this.deadlinePassed()) return DEADLINE_EXCEEDED;
    return { code: status.UNAVAILABLE, details: tokenFailureDetails(error), metadata: new Metadata() };
  }
}
