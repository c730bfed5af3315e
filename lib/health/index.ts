/**
 * `nestjs-client-credentials/health`: the terminus health indicator of the token (optional peer
 * `@nestjs/terminus`).
 * @packageDocumentation
 */
export { TokenHealthIndicator } from './token.health.js';
export { getTokenHealthIndicatorToken, InjectTokenHealthIndicator, provideTokenHealthIndicator } from './token-health-indicator.token.js';
export type { TokenHealthCheckOptions } from './token-health-check-options.interface.js';
export { DEFAULT_TOKEN_HEALTH_KEY, DEFAULT_TOKEN_HEALTH_TIMEOUT_MS } from './token-health.constants.js';
