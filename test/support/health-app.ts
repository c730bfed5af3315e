import { Controller, Get, type INestApplication, type LoggerService } from '@nestjs/common';
import { HealthCheck, HealthCheckService, TerminusModule } from '@nestjs/terminus';
import { Test } from '@nestjs/testing';
import { TokenHealthIndicator } from '../../lib/health/index.js';
import { TokenManagerService, TokenModule, type TokenModuleOptions } from '../../lib/index.js';
import { ManualClock } from './manual-clock.js';

@Controller('health')
class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly token: TokenHealthIndicator,
  ) {}

  @Get()
  @HealthCheck()
  check() {
    return this.health.check([() => this.token.isHealthy('oauth2', { timeoutMs: 300 })]);
  }
}

/** A running application with a /health endpoint, its clock and its token manager. */
export interface HealthApp {
  app: INestApplication;
  url: string;
  clock: ManualClock;
  manager: TokenManagerService;
}

/**
 * An application as a user would write it: TerminusModule, TokenModule and a /health controller with
 * TokenHealthIndicator, on a real port of 127.0.0.1, with a manual clock. `logger` false silences it.
 */
export async function startHealthApp(
  options: Pick<TokenModuleOptions, 'tokenUrl'> & Partial<TokenModuleOptions>,
  logger: LoggerService | false = false,
): Promise<HealthApp> {
  const clock = new ManualClock();
  const moduleRef = await Test.createTestingModule({
    imports: [
      TerminusModule.forRoot(logger === false ? { logger: false } : {}),
      // One attempt and no cooldown: these scenarios script each failure; retries have their own suite.
      TokenModule.forRoot({
        clientId: 'test-client',
        clientSecret: 'test-secret-value-1234',
        clock: clock.now,
        retry: { maxAttempts: 1 },
        failureCooldownMs: 0,
        ...options,
      }),
    ],
    controllers: [HealthController],
    providers: [TokenHealthIndicator],
  }).compile();
  const app = moduleRef.createNestApplication({ logger });
  await app.listen(0, '127.0.0.1');
  const url = (await app.getUrl()).replace('[::1]', '127.0.0.1');
  return { app, url, clock, manager: app.get(TokenManagerService) };
}

/** GET /health: status, raw text and parsed body. */
export async function getHealth(app: HealthApp): Promise<{ status: number; text: string; body: Record<string, any> }> {
  const response = await fetch(`${app.url}/health`);
  const text = await response.text();
  return { status: response.status, text, body: JSON.parse(text) as Record<string, any> };
}
