import { inspect } from 'node:util';
import type { AxiosRequestConfig, InternalAxiosRequestConfig } from 'axios';
import type { RedirectGuarded } from './redirect-guard.js';
import { isReplayableBody } from './replayable-body.js';

/** The resends a request has used; each kind at most once, so there is never a loop. @internal */
export interface ResendBudget {
  /** Resent with a server nonce after a 401 `use_dpop_nonce` (DPoP only). */
  readonly nonceResent: boolean;
  /** Resent with a renewed token after any other 401. */
  readonly tokenRetried: boolean;
}

export const NO_RESENDS: ResendBudget = { nonceResent: false, tokenRetried: false };

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
 * What the interceptor remembers about a request it authorized, from the request interceptor to
 * the dispatch, the redirects and the answer. Never sent; `inspect()` and JSON show only its origin.
 * @internal
 */
export class AuthorizedRequest implements RedirectGuarded {
  readonly replayable: boolean;
  /** Set when our credentials were taken off the request (before dispatch or on a redirect): what comes back says nothing about our token. */
  credentialsDropped = false;
  /** Set on the record of our own resend until the request interceptor passes it on, once, untouched. */
  resendPending = false;

  constructor(
    /** The token sent, so a 401 invalidates exactly that token. */
    readonly token: string,
    /** The `Authorization` value set: while the header still reads so, it is ours. */
    readonly authorization: string,
    readonly origin: string,
    /** With DPoP: the absolute URL (after `baseURL`) its proofs name and its nonces are remembered for. */
    readonly dpopUrl: string | undefined,
    /** The body as the caller passed it, before axios transformed it. */
    readonly originalData: unknown,
    readonly callerBeforeRedirect: AxiosRequestConfig['beforeRedirect'],
    readonly budget: ResendBudget,
  ) {
    this.replayable = isReplayableBody(originalData);
  }

  toJSON(): { origin: string } {
    return { origin: this.origin };
  }

  [inspect.custom](): string {
    return `AuthorizedRequest { origin: ${this.origin} }`;
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
