/**
 * The standard abort error for a caller whose signal fired: the signal's reason when it is an Error,
 * else a DOMException named `AbortError`.
 * @internal
 */
export function abortError(signal: AbortSignal): Error {
  return signal.reason instanceof Error ? signal.reason : new DOMException('The operation was aborted', 'AbortError');
}
