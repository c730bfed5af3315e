import type { TokenTracer, TracedOperation, TracedRequest } from '../core/token-tracer.interface.js';

/** The tracer the endpoint client reports its one-shot exchanges to, and the client's name. @internal */
export interface EndpointTracing {
  readonly tracer: TokenTracer;
  readonly clientName?: string;
}

/** The endpoint tracing of a registration: none without a tracer. @internal */
export function endpointTracing(tracer: TokenTracer | undefined, clientName: string | undefined): EndpointTracing | undefined {
  return tracer === undefined ? undefined : { tracer, ...(clientName !== undefined ? { clientName } : {}) };
}

/**
 * Runs one exchange (revocation, introspection, session exchange, discovery) in its own span; the token request's
 * span belongs to the refresh flight, which spans its retries. Without a tracer, just runs it.
 * @internal
 */
export async function tracedExchange<T>(
  tracing: EndpointTracing | undefined,
  operation: Exclude<TracedOperation, 'token_request'>,
  url: string,
  work: (traced: TracedRequest | undefined) => Promise<T>,
): Promise<T> {
  if (tracing === undefined) return work(undefined);
  const { tracer, clientName } = tracing;
  const traced = tracer.startExchange({ operation, url, ...(clientName !== undefined ? { clientName } : {}) });
  try {
    const result = await work(traced);
    traced.end('success');
    return result;
  } catch (error) {
    traced.end('failure', error);
    throw error;
  }
}
