import { Global, Module } from '@nestjs/common';
import { TOKEN_TRACER } from '../core/injection-tokens.js';
import { OpenTelemetryTokenTracer } from './open-telemetry-token.tracer.js';

/**
 * Traces every client's token lifecycle with OpenTelemetry (`OpenTelemetryTokenTracer` on the global
 * tracer provider): import it once, next to `TokenModule`. Global, so every `TokenModule` registration
 * finds the tracer; without this module nothing is traced and `@opentelemetry/api` is not loaded.
 */
@Global()
@Module({
  providers: [{ provide: TOKEN_TRACER, useFactory: () => new OpenTelemetryTokenTracer() }],
  exports: [TOKEN_TRACER],
})
export class TokenTracingModule {}
