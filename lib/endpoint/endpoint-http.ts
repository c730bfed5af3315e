import axios, { type AxiosInstance } from 'axios';
import type { Agent as HttpsAgent } from 'node:https';
import { MAX_TOKEN_RESPONSE_BYTES } from '../options/token-options.defaults.js';

/**
 * The private axios instance for the authorization server's endpoints (token, revocation,
 * introspection, discovery, session exchange): never the process-global default, never one that
 * carries the Bearer interceptor, no redirects (credentials must not travel to another host), bodies
 * read as text and capped.
 * @internal
 */
export function createEndpointHttp(httpsAgent?: HttpsAgent): AxiosInstance {
  return axios.create({
    maxRedirects: 0,
    maxContentLength: MAX_TOKEN_RESPONSE_BYTES,
    responseType: 'text',
    transformResponse: [(data: unknown) => data],
    validateStatus: () => true,
    ...(httpsAgent !== undefined ? { httpsAgent } : {}),
  });
}
