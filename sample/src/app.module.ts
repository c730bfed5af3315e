import { Module } from '@nestjs/common';
import { ConfigModule } from '@nestjs/config';
import { TerminusModule } from '@nestjs/terminus';
import { TokenModule } from '../../lib/index.js';
import { tokenConfig } from '../../lib/config/index.js';
import { TokenHealthIndicator } from '../../lib/health/index.js';
import { DemoController } from './demo.controller.js';
import { HealthController } from './health.controller.js';
import { TokenLifecycleLogger } from './token-lifecycle.logger.js';

/**
 * The whole integration: configuration from OAUTH2_* variables (validated at startup), an authorized
 * HttpService for the downstream API, and a terminus health check of the token.
 */
@Module({
  imports: [ConfigModule.forRoot({ ignoreEnvFile: true }), TokenModule.forRootAsync(tokenConfig.asProvider()), TerminusModule],
  controllers: [DemoController, HealthController],
  providers: [TokenHealthIndicator, TokenLifecycleLogger],
})
export class AppModule {}
