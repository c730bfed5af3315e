/**
 * The origin and path of `url`, for error messages and log lines: never its query string, fragment or
 * userinfo, which may carry credentials (a function key in `?code=`, `user:password@`).
 * @internal
 */
export function urlForDisplay(url: string): string {
  try {
    const { protocol, host, pathname } = new URL(url);
    return `${protocol}//${host}${pathname}`;
  } catch {
    return '(invalid URL)';
  }
}
