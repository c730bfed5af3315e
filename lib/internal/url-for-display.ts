/**
 * A URL as it may be printed in errors, logs and `inspect()` output: origin and path only, never its
 * query string, fragment or userinfo, which may carry credentials (an Azure Functions `?code=`, a SAS
 * token, `user:password@`). A URL reference (`../sessions/exchange`) loses the same parts.
 * @internal
 */
export function urlForDisplay(url: string): string {
  try {
    const { protocol, host, pathname } = new URL(url);
    return `${protocol}//${host}${pathname}`;
  } catch {
    const end = url.search(/[?#]/);
    return (end < 0 ? url : url.slice(0, end)).replace(/^([a-z][a-z0-9+.-]*:\/\/)[^@]*@/i, '$1');
  }
}
