import { AxiosError, AxiosHeaders, type AxiosRequestConfig } from 'axios';
import { recordAuthorization } from './authorized-request.js';

/**
 * Takes our token out of an error before the caller sees it, since errors get logged: drops the
 * `Authorization` (and `DPoP`) header from its config (a caller that resends `error.config` gets a
 * current token from the interceptor) and hides the raw `request` (whose header text holds the token)
 * from `inspect` and `JSON.stringify`; it stays readable as `error.request`.
 * @internal
 */
export function withoutToken<E extends AxiosError>(error: E): E {
  if (error.config !== undefined) withoutCredentials(error.config);
  hideRequest(error);
  if (error.response !== undefined) hideRequest(error.response);
  return error;
}

/**
 * The error as a `retryOn401` predicate sees it: a copy with the same message, code, status and
 * response, whose config carries neither our credentials nor our record, so a predicate that logs or
 * keeps it leaks no token. The original stays intact for the resend.
 * @internal
 */
export function tokenFreeView(error: AxiosError): AxiosError {
  const config =
    error.config === undefined ? undefined : withoutCredentials({ ...error.config, headers: AxiosHeaders.concat(error.config.headers) });
  const response = error.response === undefined ? undefined : hideRequest({ ...error.response, config: config! });
  return hideRequest(
    Object.assign(new AxiosError(error.message, error.code, config, undefined, response), { request: error.request as unknown }),
  );
}

function withoutCredentials<C extends AxiosRequestConfig>(config: C): C {
  if (config.headers instanceof AxiosHeaders) {
    config.headers.delete('Authorization');
    config.headers.delete('DPoP');
  }
  // A caller resending it must get fresh credentials, not be taken for our own resend.
  return recordAuthorization(config, undefined);
}

function hideRequest<T extends { request?: unknown }>(holder: T): T {
  if (Object.prototype.propertyIsEnumerable.call(holder, 'request')) {
    Object.defineProperty(holder, 'request', { value: holder.request, enumerable: false, configurable: true, writable: true });
  }
  return holder;
}
