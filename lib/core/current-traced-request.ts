import { AsyncLocalStorage } from 'node:async_hooks';
import type { TracedRequest } from './token-tracer.interface.js';

/**
 * The token request being traced, for the layers below the refresh flight (the endpoint client adds
 * the HTTP status and the DPoP nonce resend to it) without passing it through every token source.
 */
const tracedRequests = new AsyncLocalStorage<TracedRequest>();

/** Runs `work` with `request` as the traced request; without one, just runs it. @internal */
export function withTracedRequest<T>(request: TracedRequest | undefined, work: () => T): T {
  return request === undefined ? work() : tracedRequests.run(request, work);
}

/** The traced request `work` runs under, if any. @internal */
export function currentTracedRequest(): TracedRequest | undefined {
  return tracedRequests.getStore();
}
