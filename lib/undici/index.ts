/**
 * `nestjs-client-credentials/undici`: the access token on undici requests (`request`, `fetch`, and a
 * global `fetch` given the dispatcher), as an interceptor for `Dispatcher.compose`. Needs the optional
 * peer `undici` (7 or 8).
 * @packageDocumentation
 */
export { createUndiciTokenInterceptor, type UndiciTokenInterceptorOptions } from './token-interceptor.js';
export type { UndiciAnswer } from './dispatch-request.js';
