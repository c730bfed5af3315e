import type { Report } from '../options/option-checks.js';

/** The allowlist entry that sends the token to every origin. */
const ANY_ORIGIN = '*';

/** What an axios request config says about where it goes. */
interface RequestTarget {
  readonly url?: string;
  readonly baseURL?: string;
  readonly allowAbsoluteUrls?: boolean;
}

/** The same test axios applies (`isAbsoluteURL`): a scheme or `//` makes the URL ignore `baseURL`. */
const ABSOLUTE_URL = /^([a-z][a-z\d+\-.]*:)?\/\//i;

/**
 * The origins (scheme, host, port) that may receive the Bearer token, and the one place that decides
 * whether a URL belongs to them. Anything that cannot be resolved to an http(s) origin is not allowed.
 * @internal
 */
export class OriginAllowlist {
  readonly #origins: ReadonlySet<string>;
  readonly #anyOrigin: boolean;
  /** `baseURL` → origin of the last base seen: most instances use one base for every call. */
  #lastBaseURL: string | undefined;
  #lastBaseOrigin: string | undefined;

  /** `origins` as returned by `resolveAllowedOrigins()`. */
  constructor(origins: readonly string[]) {
    this.#anyOrigin = origins.includes(ANY_ORIGIN);
    this.#origins = new Set(origins);
  }

  /** Whether an origin (as `URL.origin` spells it) may receive the token. */
  allows(origin: string | undefined): origin is string {
    if (origin === undefined) return false;
    return this.#anyOrigin ? origin !== 'null' : this.#origins.has(origin);
  }

  /** The origin a request goes to, resolved the way axios resolves it; undefined when unknown. */
  originOf(target: RequestTarget): string | undefined {
    const url = target.url ?? '';
    const baseURL = target.baseURL;
    if (baseURL && (target.allowAbsoluteUrls === false || !ABSOLUTE_URL.test(url))) {
      // axios joins base and URL with exactly one slash, so the URL never extends the base's host.
      if (baseURL !== this.#lastBaseURL) {
        this.#lastBaseURL = baseURL;
        this.#lastBaseOrigin = httpOrigin(baseURL);
      }
      return this.#lastBaseOrigin;
    }
    return httpOrigin(url);
  }
}

/** The origin of an absolute http(s) URL, or undefined. */
export function httpOrigin(url: string): string | undefined {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return undefined;
  }
  return parsed.protocol === 'http:' || parsed.protocol === 'https:' ? parsed.origin : undefined;
}

/**
 * The allowlist from `baseURL` and `allowedOrigins`: the origin of `baseURL` plus every listed origin,
 * or `['*']` alone. Problems are reported under `fieldPrefix` (`http.` for the module option); an
 * empty allowlist is one, unless `baseURLReported` says the base URL's own problem explains it.
 * @internal
 */
export function resolveAllowedOrigins(
  baseURL: string | undefined,
  allowedOrigins: unknown,
  fieldPrefix: string,
  report: Report,
  baseURLReported = false,
): string[] {
  const field = `${fieldPrefix}allowedOrigins`;
  const origins: string[] = [];
  const baseOrigin = baseURL === undefined ? undefined : httpOrigin(baseURL);
  if (baseOrigin !== undefined) origins.push(baseOrigin);
  if (allowedOrigins !== undefined && allowedOrigins !== null) {
    if (!Array.isArray(allowedOrigins)) {
      report(field, 'must be an array of origins such as "https://api.example.com"');
      return [];
    }
    if (allowedOrigins.includes(ANY_ORIGIN)) {
      if (allowedOrigins.length !== 1) report(field, `"${ANY_ORIGIN}" must be the only entry`);
      return [ANY_ORIGIN];
    }
    allowedOrigins.forEach((entry: unknown, index) => {
      const origin = parseOrigin(entry, `${field}[${index}]`, report);
      if (origin !== undefined && !origins.includes(origin)) origins.push(origin);
    });
  }
  if (
    origins.length === 0 &&
    !baseURLReported &&
    (allowedOrigins === undefined || allowedOrigins === null || (allowedOrigins as unknown[]).length === 0)
  ) {
    report(field, `is required without ${fieldPrefix}baseURL: list the origins that may receive the token (or ["${ANY_ORIGIN}"], unsafe)`);
  }
  return origins;
}

/** One allowlist entry: exactly `scheme://host[:port]` (a trailing `/` is tolerated). */
function parseOrigin(entry: unknown, field: string, report: Report): string | undefined {
  const shape = 'must be an origin, scheme://host[:port], such as "https://api.example.com"';
  if (typeof entry !== 'string' || entry.trim() === '') {
    report(field, shape);
    return undefined;
  }
  let url: URL;
  try {
    url = new URL(entry);
  } catch {
    report(field, shape);
    return undefined;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    report(field, `must use http or https, not ${url.protocol.replace(':', '')}`);
    return undefined;
  }
  if (entry.includes('*')) {
    report(field, `wildcards are not supported; list each origin, or use ["${ANY_ORIGIN}"] alone`);
    return undefined;
  }
  if (url.username || url.password || url.pathname !== '/' || entry.includes('?') || entry.includes('#')) {
    report(field, `${shape}, without credentials, path, query or fragment`);
    return undefined;
  }
  return url.origin;
}
