/**
 * `nestjs-client-credentials/otel`: OpenTelemetry metrics of the token lifecycle (optional peer
 * `@opentelemetry/api`; a no-op until an OpenTelemetry SDK is registered).
 * @packageDocumentation
 */
export { TokenMetricsService } from './token-metrics.service.js';
export { TOKEN_METER, TOKEN_METER_NAME, TOKEN_METRICS } from './token-metrics.constants.js';
