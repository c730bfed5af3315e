/**
 * `operation`, or a rejection with `timeoutError()` once `ms` have passed, whichever comes first. The
 * timer is unref'd and cleared, so a deadline never keeps the process alive. The operation itself is
 * not cancelled: whatever it does later is ignored.
 * @internal
 */
export function withDeadline<T>(operation: Promise<T>, ms: number, timeoutError: () => Error): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(timeoutError()), ms);
    timer.unref();
  });
  return Promise.race([operation, deadline]).finally(() => clearTimeout(timer));
}
