import { type ClientOptions, type Interceptor, InterceptingCall } from '@grpc/grpc-js';
import { AuthorizedCall } from './authorized-call.js';
import type { GrpcTokenSource } from './grpc-token-source.js';

/** Options of `createGrpcTokenInterceptor`. */
export interface GrpcTokenInterceptorOptions {
  /**
   * Whether a unary call answered UNAUTHENTICATED renews the token and is resent once. Default true.
   * Streaming calls are never resent, whatever this says.
   */
  retryOnUnauthenticated?: boolean | undefined;
}

/**
 * A grpc-js client interceptor that adds `authorization: Bearer <token>` from the token manager to each
 * call of the client (or channel) it is given to. It works on plaintext channels too, where grpc-js
 * does not send call credentials (a service mesh sidecar terminating TLS), and on TLS channels.
 *
 * 1. A call whose metadata already holds `authorization` goes out untouched, and its answers are the caller's.
 * 2. The token goes into a copy of the caller's metadata: a `Metadata` object reused across calls never holds it.
 * 3. A unary call answered UNAUTHENTICATED: `renewRejected(thatToken)` drops the token only if it is still
 *    the cached one (a late answer never drops a newer token) and fetches one new token shared by every
 *    concurrent call rejected with it; the call is resent exactly once with it. Whatever the resend
 *    returns, a second UNAUTHENTICATED included, goes to the caller. If no newer token can be had, the
 *    first UNAUTHENTICATED goes to the caller.
 * 4. A streaming call answered UNAUTHENTICATED gets that error (its messages cannot be replayed); the
 *    token is dropped if still cached, so the caller's next call gets a new one.
 * 5. A call whose token cannot be obtained fails with UNAVAILABLE naming the token error (never a
 *    secret); cancelling a call, or its deadline, ends its wait for a token.
 */
export function createGrpcTokenInterceptor(tokens: GrpcTokenSource, options: GrpcTokenInterceptorOptions = {}): Interceptor {
  const retry = options.retryOnUnauthenticated !== false;
  return (callOptions, nextCall) => {
    const { requestStream, responseStream } = callOptions.method_definition;
    const call = new AuthorizedCall(tokens, callOptions, nextCall, retry && !requestStream && !responseStream);
    return new InterceptingCall(nextCall(callOptions), call.requester());
  };
}

/**
 * Client options (grpc-js `ClientOptions`, also Nest's gRPC `channelOptions`) with the token interceptor
 * appended to the `interceptors` already there, so interceptors of your own run before it.
 */
export function withGrpcTokenInterceptor(
  tokens: GrpcTokenSource,
  clientOptions: ClientOptions = {},
  interceptorOptions?: GrpcTokenInterceptorOptions,
): ClientOptions {
  return {
    ...clientOptions,
    interceptors: [...(clientOptions.interceptors ?? []), createGrpcTokenInterceptor(tokens, interceptorOptions)],
  };
}
