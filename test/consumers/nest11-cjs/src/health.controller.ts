import { Controller, Get } from '@nestjs/common';
import { HealthCheck, HealthCheckService } from '@nestjs/terminus';
import { TokenHealthIndicator } from 'nestjs-client-credentials/health';

/** GET /health: 200 while a token can be had. */
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly token: TokenHealthIndicator,
  ) {}

  @Get()
  @HealthCheck()
  check() {
    return this.health.check([() => this.token.isHealthy('oauth2')]);
  }
}
