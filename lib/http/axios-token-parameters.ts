import type { TokenRequestParameters } from '../options/token-request-parameters.interface.js';

/*
 * The request config field the token interceptor reads, declared on axios's own config type so that every
 * axios call (`http.get(url, { tokenParameters })`, `axiosRef.request({ ... })`) takes it. The package's
 * public types load this file, so importing `nestjs-client-credentials` is enough to type it.
 */
declare module 'axios' {
  interface AxiosRequestConfig {
    /**
     * Token parameters of this request (`scope`, `audience`, `resource`, `extraParams`): a request to an
     * allowed origin carries the token for them (left-out fields take the registration's values, as
     * `getAccessToken(parameters)`), instead of its origin's `http.resources` entry or the default token,
     * and a 401 renews only that token. Read as the request enters the interceptors; a request to an
     * origin outside the allowlist gets no token whatever it says. Bad parameters reject the request with
     * a `TokenConfigError` naming the field, before it is sent.
     */
    tokenParameters?: TokenRequestParameters | undefined;
  }
}
