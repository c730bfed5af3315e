/**
 * `nestjs-client-credentials/otel`: OpenTelemetry metrics and traces of the token lifecycle (optional
 * peer `@opentelemetry/api`; a no-op until an OpenTelemetry SDK is registered).
 * @packageDocumentation
 */
export { TokenMetricsService } from './token-metrics.service.js';
export { TOKEN_METER, TOKEN_METER_NAME, TOKEN_METRIC_ATTRIBUTES, TOKEN_METRICS } from './token-metrics.constants.js';
export { OpenTelemetryTokenTracer, TOKEN_SPANS, TOKEN_TRACER_NAME } from './open-telemetry-token.tracer.js';
export { TokenTracingModule } from './token-tracing.module.js';
