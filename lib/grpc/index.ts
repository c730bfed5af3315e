/**
 * `nestjs-client-credentials/grpc`: the access token on `@grpc/grpc-js` calls, as a client interceptor
 * (any channel, one renewal on UNAUTHENTICATED) or as call credentials (TLS channels). Needs the
 * optional peer `@grpc/grpc-js`.
 * @packageDocumentation
 */
export { createGrpcCallCredentials } from './token-call-credentials.js';
export { createGrpcTokenInterceptor, withGrpcTokenInterceptor, type GrpcTokenInterceptorOptions } from './token-interceptor.js';
export type { GrpcTokenSource } from './grpc-token-source.js';
