/** The `fetch` axios's fetch adapter calls (its `env.fetch` option). */
type Fetch = (input: URL | Request | string, init?: RequestInit) => Promise<Response>;

/** Where each redirected fetch ended, by the `Request` axios made for it (and hands back as `request`). */
const finalUrls = new WeakMap<object, string>();
/** One watching fetch per fetch it wraps: axios keeps an adapter for each `env.fetch` it sees, for good. */
const watchers = new WeakMap<Fetch, Fetch>();
const watching = new WeakSet<Fetch>();

function watch(fetch: () => Fetch): Fetch {
  const watcher: Fetch = async (input, init) => {
    const response = await fetch()(input, init);
    if (response.redirected && typeof input === 'object') finalUrls.set(input, response.url);
    return response;
  };
  watching.add(watcher);
  return watcher;
}

/** The global fetch, looked up on each call as axios does without `env.fetch` (request mocking libraries replace it). */
const watchingGlobalFetch = watch(() => globalThis.fetch);

/**
 * `fetch` (the global one when undefined), recording where a response that followed redirects came
 * from: the fetch adapter follows them itself and reports only the first URL.
 * @internal
 */
export function redirectWatchingFetch(fetch: Fetch | undefined): Fetch {
  if (fetch === undefined) return watchingGlobalFetch;
  if (watching.has(fetch)) return fetch;
  let watcher = watchers.get(fetch);
  if (watcher === undefined) watchers.set(fetch, (watcher = watch(() => fetch)));
  return watcher;
}

/** The URL a fetch adapter's answer came from when it followed a redirect (by the answer's or the error's `request`), else undefined. @internal */
export function redirectedTo(request: unknown): string | undefined {
  return typeof request === 'object' && request !== null ? finalUrls.get(request) : undefined;
}
