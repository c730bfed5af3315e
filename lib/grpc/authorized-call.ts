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
import { UNAUTHORIZED_RETRY_REPORTER } from '../core/unauthorized-retry-reporter.js';
import { CallTokenWait } from './call-token-wait.js';
import { bearerAuthorization, type GrpcTokenSource, tokenFailureDetails } from './grpc-token-source.js';

type LowerCall = ReturnType<NextCall>;
type StartNext = (metadata: Metadata, listener: InterceptingListener | Listener) => void;

const CANCELLED_DETAILS = 'Cancelled on client';

/** A status of our own making, with its own metadata: the caller's error holds it and may change it. */
function localStatus(code: status, details: string): StatusObject {
  return { code, details, metadata: new Metadata() };
}
const cancelled = () => localStatus(status.CANCELLED, CANCELLED_DETAILS);
const deadlineExceeded = () => localStatus(status.DEADLINE_EXCEEDED, 'Deadline exceeded while waiting for an access token');

/**
 * One client call seen by the token interceptor: it adds our token to a copy of the caller's metadata
 * (the caller's own object never holds it) and, for a unary call, holds the response until its status
 * tells whether the one-shot renewal applies. Steps are listed on `createGrpcTokenInterceptor`.
 */
export class AuthorizedCall {
  /** The caller's metadata, without our token: each attempt gets its own copy. */
  #callerMetadata = new Metadata();
  #request: unknown;
  #metadataDelivered = false;
  #resend: LowerCall | undefined;
  readonly #wait: CallTokenWait;

  constructor(
    private readonly tokens: GrpcTokenSource,
    private readonly options: InterceptorOptions,
    private readonly nextCall: NextCall,
    /** Whether an UNAUTHENTICATED answer renews the token and resends the call (unary calls only). */
    private readonly replayable: boolean,
  ) {
    this.#wait = new CallTokenWait(options.deadline);
  }

  requester(): Requester {
    return {
      start: (metadata, listener, next) => this.start(metadata, listener, next),
      // Only a call that may be resent keeps its request message.
      ...(this.replayable
        ? {
            sendMessage: (message: unknown, next: (message: unknown) => void) => {
              this.#request = message;
              next(message);
            },
          }
        : {}),
      cancel: (next) => {
        this.#wait.cancel();
        if (this.#resend !== undefined) this.#resend.cancelWithStatus(status.CANCELLED, CANCELLED_DETAILS);
        else next();
      },
    };
  }

  private start(metadata: Metadata, upper: InterceptingListener, next: StartNext): void {
    // Credentials of the caller's own win, and their UNAUTHENTICATED says nothing about our token.
    if (metadata.get('authorization').length > 0) return next(metadata, upper);
    this.#callerMetadata = metadata;
    const fresh = this.tokens.peekFreshToken?.();
    if (fresh !== undefined) return this.send(fresh, upper, next);
    void this.tokens.getAccessToken({ signal: this.#wait.signal() }).then(
      (token) => {
        this.#wait.settled();
        // Nothing was started below us: a cancelled call's status goes straight to the layer above.
        if (this.#wait.cancelled) upper.onReceiveStatus(cancelled());
        else this.send(token, upper, next);
      },
      (error: unknown) => {
        this.#wait.settled();
        upper.onReceiveStatus(this.failureStatus(error));
      },
    );
  }

  private send(token: string, upper: InterceptingListener, next: StartNext): void {
    next(this.authorized(token), this.replayable ? this.unaryListener(token, upper) : this.streamListener(token, upper));
  }

  /** A copy of the caller's metadata carrying `token`. */
  private authorized(token: string): Metadata {
    const metadata = this.#callerMetadata.clone();
    metadata.set('authorization', bearerAuthorization(token));
    return metadata;
  }

  // The listeners below are complete `InterceptingListener`s (one-argument methods): grpc-js then hands
  // them the answers directly, without wrapping them in a listener of its own, and they pass them up.

  /** A streaming call is not replayed: on UNAUTHENTICATED the token is dropped (if still cached) for the next call. */
  private streamListener(token: string, upper: InterceptingListener): InterceptingListener {
    return {
      onReceiveMetadata: (metadata) => upper.onReceiveMetadata(metadata),
      onReceiveMessage: (message) => upper.onReceiveMessage(message),
      onReceiveStatus: (received) => {
        if (received.code === status.UNAUTHENTICATED) this.tokens.invalidate(token);
        upper.onReceiveStatus(received);
      },
    };
  }

  private unaryListener(rejectable: string, upper: InterceptingListener): InterceptingListener {
    // Held until the status (grpc-js gives a unary call its one message, or null, right before it): a
    // resend's message must take the first attempt's place.
    let message: unknown = null;
    return {
      onReceiveMetadata: (metadata) => {
        this.#metadataDelivered = true;
        upper.onReceiveMetadata(metadata);
      },
      onReceiveMessage: (received) => {
        message = received;
      },
      onReceiveStatus: (received) => {
        if (received.code === status.UNAUTHENTICATED) return this.renewAndResend(rejectable, received, upper);
        upper.onReceiveMessage(message);
        upper.onReceiveStatus(received);
      },
    };
  }

  /** Compare-and-invalidate through the manager (one renewal for every call rejected with the same token), then one resend. */
  private renewAndResend(rejected: string, rejection: StatusObject, upper: InterceptingListener): void {
    const finish = (answer: StatusObject) => {
      upper.onReceiveMessage(null);
      upper.onReceiveStatus(answer);
    };
    void this.tokens.renewRejected(rejected, { signal: this.#wait.signal() }).then(
      (token) => {
        this.#wait.settled();
        if (this.#wait.cancelled) return finish(cancelled());
        // The manager could give nothing newer: resending the same token would only be refused again.
        if (token === rejected) return finish(rejection);
        this.tokens[UNAUTHORIZED_RETRY_REPORTER]?.();
        this.resend(token, upper);
      },
      // A failed renewal is reported by the manager; the caller gets the server's answer.
      () => {
        this.#wait.settled();
        finish(this.#wait.cancelled ? cancelled() : this.#wait.deadlinePassed() ? deadlineExceeded() : rejection);
      },
    );
  }

  /** The single resend: whatever it returns, a second UNAUTHENTICATED included, goes to the caller. */
  private resend(token: string, upper: InterceptingListener): void {
    let message: unknown = null;
    const call = this.nextCall(this.options);
    this.#resend = call;
    call.start(this.authorized(token), {
      onReceiveMetadata: (metadata) => {
        if (!this.#metadataDelivered) upper.onReceiveMetadata(metadata);
      },
      onReceiveMessage: (received: unknown) => {
        message = received;
      },
      onReceiveStatus: (received) => {
        upper.onReceiveMessage(message);
        upper.onReceiveStatus(received);
      },
    });
    call.sendMessage(this.#request);
    call.halfClose();
  }

  private failureStatus(error: unknown): StatusObject {
    if (this.#wait.cancelled) return cancelled();
    if (this.#wait.deadlinePassed()) return deadlineExceeded();
    return localStatus(status.UNAVAILABLE, tokenFailureDetails(error));
  }
}
