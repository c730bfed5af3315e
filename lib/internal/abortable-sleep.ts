import { abortError } from './abort-error.js';

/**
 * Resolves after `ms`, or rejects with the abort error as soon as `signal` fires. The timer is unref'd
 * and cleared on abort, so a wait never keeps the process alive or outlives module shutdown.
 * @internal
 */
export function abortableSleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    if (signal.aborted) return reject(abortError(signal));
    const onAbort = () => {
      clearTimeout(timer);
      reject(abortError(signal));
    };
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    timer.unref();
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
