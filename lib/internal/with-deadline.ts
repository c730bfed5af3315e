import { abortError } from './abort-error.js';

/**
 * `operation`, or a rejection with `timeoutError()` once `ms` have passed, or with the abort error as
 * soon as `signal` fires, whichever comes first. The timer is unref'd and cleared, so a deadline never
 * keeps the process alive. The operation itself is not cancelled: whatever it does later is ignored.
 * @internal
 */
export function withDeadline<T>(operation: Promise<T>, ms: number, timeoutError: () => Error, signal?: AbortSignal): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  let onAbort: (() => void) | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(timeoutError()), ms);
    timer.unref();
    if (signal === undefined) return;
    onAbort = () => reject(abortError(signal));
    if (signal.aborted) onAbort();
    else signal.addEventListener('abort', onAbort, { once: true });
  });
  return Promise.race([operation, deadline]).finally(() => {
    clearTimeout(timer);
    if (onAbort !== undefined) signal?.removeEventListener('abort', onAbort);
  });
}
