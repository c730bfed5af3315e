import { TokenStoreError } from '../errors/token-store.error.js';
import { withDeadline } from '../internal/with-deadline.js';
import type { TokenStore } from '../core/token-store.interface.js';

/**
 * One call of a `TokenStore`, issued synchronously (so calls reach the store in program order), under
 * a deadline and ended early by `signal`: a store that never answers must neither hold callers nor
 * shutdown. A synchronous throw of a custom store becomes a rejection.
 * @internal
 */
export function storeCommand<T>(
  store: TokenStore,
  run: (store: TokenStore) => Promise<T>,
  timeoutMs: number,
  signal?: AbortSignal,
): Promise<T> {
  let operation: Promise<T>;
  try {
    operation = run(store);
  } catch (error) {
    // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors -- the store's own throw, passed on unchanged
    operation = Promise.reject(error);
  }
  return withDeadline(operation, timeoutMs, () => new TokenStoreError(`no answer within ${timeoutMs} ms`), signal);
}
