import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Test } from '@nestjs/testing';
import { metrics } from '@opentelemetry/api';
import { MeterProvider, MetricReader } from '@opentelemetry/sdk-metrics';
import { TokenEndpointError, TokenManagerService, TokenModule } from '../../lib/index.js';
import { TOKEN_METER_NAME, TokenMetricsService } from '../../lib/otel/index.js';
import { TestIdp } from '../support/test-idp.js';
import { nextEvent } from '../support/token-app.js';

class CollectingReader extends MetricReader {
  protected async onShutdown(): Promise<void> {}
  protected async onForceFlush(): Promise<void> {}
}

describe('OpenTelemetry metrics without an SDK: a no-op that never gets in the way', () => {
  let idp: TestIdp;

  beforeAll(async () => {
    idp = await TestIdp.start({ ttlSeconds: 3600 });
  });
  afterAll(async () => {
    await idp.stop();
  });

  it('with no meter provider registered, the whole lifecycle (success, failed refresh, recovery) runs and nothing is recorded anywhere', async () => {
    metrics.disable();
    const moduleRef = await Test.createTestingModule({
      imports: [
        TokenModule.forRoot({
          tokenUrl: idp.tokenUrl,
          clientId: 'test-client',
          clientSecret: 'test-secret-value-1234',
          retry: { maxAttempts: 1 },
          failureCooldownMs: 0,
        }),
      ],
      providers: [TokenMetricsService],
    }).compile();
    moduleRef.useLogger(false);
    await moduleRef.init();
    const manager = moduleRef.get(TokenManagerService);
    const requestsBefore = idp.tokenRequests;

    const first = await manager.getAccessToken();
    manager.invalidate();
    idp.faults.push((ctx) => {
      ctx.status = 503;
      ctx.type = 'application/json';
      ctx.body = { error: 'temporarily_unavailable' };
    });
    const failed = nextEvent(manager, 'refresh_failed');
    await expect(manager.getAccessToken()).rejects.toBeInstanceOf(TokenEndpointError);
    await failed;
    const recovered = await manager.getAccessToken();
    expect(recovered).not.toBe(first);
    expect(idp.tokenRequests - requestsBefore).toBe(3);

    // The meter was taken from the no-op global provider at startup: an SDK registered only now
    // (too late, as docs/health-and-metrics.md says) sees none of the module's measurements.
    const reader = new CollectingReader();
    const provider = new MeterProvider({ readers: [reader] });
    metrics.setGlobalMeterProvider(provider);
    manager.invalidate();
    await manager.getAccessToken();
    const { resourceMetrics } = await reader.collect();
    expect(resourceMetrics.scopeMetrics.filter((scope) => scope.scope.name === TOKEN_METER_NAME)).toEqual([]);

    await moduleRef.close();
    metrics.disable();
    await provider.shutdown();
  });
});
