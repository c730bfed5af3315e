/**
 * `work()`'s result as a promise, computed now; a throw becomes a rejection, as in an `async` function.
 * For synchronous implementations of asynchronous interfaces, which have nothing to `await`.
 * @internal
 */
export function callAsPromise<T>(work: () => T): Promise<T> {
  return new Promise<T>((resolve) => resolve(work()));
}
