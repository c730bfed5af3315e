import { inspect } from 'node:util';
import type { AxiosRequestConfig, InternalAxiosRequestConfig } from 'axios';
import type { RequestGrant } from '../authorizer/request-grant.js';

/**
 * Property of a request config holding what the interceptor set on it. A string key, since axios
 * (before 1.19) drops symbol keys when a config is sent again, and a plain property: a weak map or
 * a defined property would cost more than the rest of the fast path. Its value prints without the
 * token, and errors handed to callers lose it.
 * @internal
 */
export const AUTHORIZED = 'nestjsClientCredentialsAuthorized';

type ConfigWithAuthorization = AxiosRequestConfig & { [AUTHORIZED]?: AuthorizedRequest };

/**
 * What the interceptor keeps on an axios request it authorized, from the request interceptor to the
 * dispatch, the redirects and the answer: the authorizer's grant, and what axios needs to send it
 * again. Never sent; `inspect()` and JSON show only its origin.
 * @internal
 */
export class AuthorizedRequest {
  /** Set on the record of our own resend until the request interceptor passes it on, once, untouched. */
  resendPending = false;

  constructor(
    readonly grant: RequestGrant,
    /** The body as the caller passed it, before axios transformed it. */
    readonly originalData: unknown,
    readonly callerBeforeRedirect: AxiosRequestConfig['beforeRedirect'],
  ) {}

  toJSON(): { origin: string } {
    return { origin: this.grant.origin };
  }

  [inspect.custom](): string {
    return `AuthorizedRequest { origin: ${this.grant.origin} }`;
  }

  /** Gives `config` the caller's own `beforeRedirect` back (none, when the caller set none). */
  restoreCallerBeforeRedirect(config: AxiosRequestConfig): void {
    if (this.callerBeforeRedirect === undefined) delete config.beforeRedirect;
    else config.beforeRedirect = this.callerBeforeRedirect;
  }
}

/** The record on a request config, if the interceptor authorized it (or the request it was copied from). @internal */
export function authorizationOf(config: AxiosRequestConfig | undefined): AuthorizedRequest | undefined {
  return config === undefined ? undefined : (config as ConfigWithAuthorization)[AUTHORIZED];
}

/** Puts `authorized` on `config`. @internal */
export function recordAuthorization<C extends AxiosRequestConfig | InternalAxiosRequestConfig>(
  config: C,
  authorized: AuthorizedRequest | undefined,
): C {
  if (authorized === undefined) delete (config as ConfigWithAuthorization)[AUTHORIZED];
  else (config as ConfigWithAuthorization)[AUTHORIZED] = authorized;
  return config;
}

/**
 * Whether the request interceptor may authorize `config`. The record of our own resend passes once,
 * untouched. A config sent before (an earlier response's) loses the credentials we set there: they
 * are ours to renew. A request with axios's `auth` (Basic) brings credentials of its own.
 * @internal
 */
export function mayAuthorize(config: InternalAxiosRequestConfig): boolean {
  const earlier = authorizationOf(config);
  if (earlier !== undefined) {
    if (earlier.resendPending) {
      earlier.resendPending = false;
      return false;
    }
    recordAuthorization(config, undefined);
    earlier.restoreCallerBeforeRedirect(config);
    const ours = earlier.grant.headers;
    if (config.headers.get('Authorization') === ours.Authorization) for (const name in ours) config.headers.delete(name);
  }
  return !config.auth;
}
