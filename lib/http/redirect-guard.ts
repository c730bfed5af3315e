import type { AxiosRequestConfig } from 'axios';
import { httpOrigin } from '../authorizer/origin-allowlist.js';
import type { RequestAuthorizer } from '../authorizer/request-authorizer.js';
import type { AuthorizedRequest } from './authorized-request.js';

/** The follow-redirects options a `beforeRedirect` hook receives (the parts read here). */
type RedirectOptions = { headers?: Record<string, unknown>; href?: string };

/** Credential headers the guard removes from a redirected request, lower case. */
const CREDENTIAL_HEADERS = new Set(['authorization', 'dpop']);

/**
 * On every redirect, drops the credential headers and puts back those the authorizer gives for the
 * target (`redirectCredentials`: Bearer to an allowed origin, as long as no hop outside the allowlist
 * chose where the next one goes; never a DPoP proof, which names the original request). Neither axios
 * nor follow-redirects knows the allowlist: depending on their versions they keep the header across
 * subdomains, scheme upgrades or ports.
 * @internal
 */
export function guardRedirects(
  authorizer: RequestAuthorizer<never>,
  authorized: AuthorizedRequest,
): NonNullable<AxiosRequestConfig['beforeRedirect']> {
  return (options, responseDetails, ...rest) => {
    const redirect = options as RedirectOptions;
    const headers = (redirect.headers ??= {});
    for (const name of Object.keys(headers)) if (CREDENTIAL_HEADERS.has(name.toLowerCase())) delete headers[name];
    const credentials = authorizer.redirectCredentials(authorized.grant, redirectOrigin(redirect));
    if (credentials !== undefined) for (const [name, value] of Object.entries(credentials)) if (value !== undefined) headers[name] = value;
    const callerBeforeRedirect = authorized.callerBeforeRedirect as ((...args: unknown[]) => void) | undefined;
    callerBeforeRedirect?.(options, responseDetails, ...rest);
  };
}

/** The origin a redirect goes to; undefined (so: not allowed) when it cannot be told. */
function redirectOrigin(options: RedirectOptions): string | undefined {
  return typeof options.href === 'string' ? httpOrigin(options.href) : undefined;
}
