/** DI token of the validated options. @internal */
export const RESOLVED_TOKEN_OPTIONS = Symbol('TOKEN:RESOLVED_OPTIONS');
/** DI token of the token endpoint client. @internal */
export const TOKEN_ENDPOINT_CLIENT = Symbol('TOKEN:ENDPOINT_CLIENT');
/** DI token of the client name of a named registration. @internal */
export const TOKEN_CLIENT_NAME = Symbol('TOKEN:CLIENT_NAME');
/** DI token of the `TokenTracer` (optional; `TokenTracingModule` of `nestjs-client-credentials/otel` provides it). */
export const TOKEN_TRACER = Symbol('TOKEN:TRACER');
