/**
 * A URL as it may be printed: without its query string, fragment and userinfo, which can carry keys
 * (an Azure Functions `?code=`, a SAS token, `user:password@`). Works on URL references too.
 * @internal
 */
export function urlWithoutQuery(url: string): string {
  const end = url.search(/[?#]/);
  return (end < 0 ? url : url.slice(0, end)).replace(/^([a-z][a-z0-9+.-]*:\/\/)[^/@]*@/i, '$1');
}
