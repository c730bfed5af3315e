import type { AxiosRequestConfig } from 'axios';
import { httpOrigin, type OriginAllowlist } from './origin-allowlist.js';

/** The follow-redirects options a `beforeRedirect` hook receives (the parts read here). */
type RedirectOptions = { headers?: Record<string, unknown>; href?: string };

/** What the redirect guard needs to know about an authorized request, and what it records. @internal */
export interface RedirectGuarded {
  /** The token the request carries. */
  readonly token: string;
  /** Set for DPoP requests: their proof names the original URL, so every redirect drops the credentials. */
  readonly dpopUrl?: string | undefined;
  /** The caller's own `beforeRedirect`, which the guard wraps. */
  readonly callerBeforeRedirect: AxiosRequestConfig['beforeRedirect'];
  /** Set once the credentials were dropped (here or before dispatch): a 401 (or a nonce) from there says nothing about our token. */
  credentialsDropped: boolean;
}

/** Credential headers the guard removes from a redirected request, lower case. */
const CREDENTIAL_HEADERS = new Set(['authorization', 'dpop']);

/**
 * On every redirect, drops `Authorization` and puts the Bearer token back only when the target origin
 * is allowed and the token was never dropped on the way (a hop outside the allowlist chose where the
 * next one goes). Neither axios nor follow-redirects knows the allowlist: depending on their versions they
 * keep the header across subdomains, scheme upgrades or ports. A DPoP request loses its token and proof
 * on any redirect, even to an allowed origin: the proof's `htm`/`htu` name the original request, and a
 * proof cannot be signed inside this synchronous hook.
 * @internal
 */
export function guardRedirects(allowlist: OriginAllowlist, authorized: RedirectGuarded): NonNullable<AxiosRequestConfig['beforeRedirect']> {
  return (options, responseDetails, ...rest) => {
    const redirect = options as RedirectOptions;
    const headers = (redirect.headers ??= {});
    for (const name of Object.keys(headers)) if (CREDENTIAL_HEADERS.has(name.toLowerCase())) delete headers[name];
    if (!authorized.credentialsDropped && authorized.dpopUrl === undefined && allowlist.allows(redirectOrigin(redirect)))
      headers.Authorization = `Bearer ${authorized.token}`;
    else authorized.credentialsDropped = true;
    const callerBeforeRedirect = authorized.callerBeforeRedirect as ((...args: unknown[]) => void) | undefined;
    callerBeforeRedirect?.(options, responseDetails, ...rest);
  };
}

/** The origin a redirect goes to; undefined (so: not allowed) when it cannot be told. */
function redirectOrigin(options: RedirectOptions): string | undefined {
  return typeof options.href === 'string' ? httpOrigin(options.href) : undefined;
}
