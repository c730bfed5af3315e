import { Module } from '@nestjs/common';
import { ConfigModule } from '@nestjs/config';
import { TerminusModule } from '@nestjs/terminus';
import { TokenModule } from 'nestjs-client-credentials';
import { tokenConfig } from 'nestjs-client-credentials/config';
import { TokenHealthIndicator } from 'nestjs-client-credentials/health';
import { DownstreamService } from './downstream.service';
import { FetchDownstreamService } from './fetch-downstream.service';
import { HealthController } from './health.controller';

/** Options from OAUTH2_* variables through ConfigService, the authorized HttpService and fetch, and a terminus health check. */
@Module({
  imports: [ConfigModule.forRoot({ ignoreEnvFile: true }), TokenModule.forRootAsync(tokenConfig.asProvider()), TerminusModule],
  controllers: [HealthController],
  providers: [DownstreamService, FetchDownstreamService, TokenHealthIndicator],
})
export class AppModule {}
