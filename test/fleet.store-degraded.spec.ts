import { afterAll, afterEach, beforeAll, expect, it } from '@jest/globals';
import { Test, type TestingModule } from '@nestjs/testing';
import { MeterProvider, MetricReader } from '@opentelemetry/sdk-metrics';
import { TokenHealthIndicator } from '../lib/health/index.js';
import { TokenManagerService, TokenModule } from '../lib/index.js';
import { TOKEN_METER, TOKEN_METRICS, TokenMetricsService } from '../lib/otel/index.js';
import { RedisTokenStore } from '../lib/redis/index.js';
import { TerminusModule } from '@nestjs/terminus';
import { describeWithRedisServer, RedisServer } from './support/redis-server.js';
import { TestIdp } from './support/test-idp.js';
import { nextEvent } from './support/token-app.js';
import { waitUntil } from './support/wait-until.js';

const CLIENT = { clientId: 'degraded-client', clientSecret: 'degraded-secret-value-3456' };

/** Collects on demand, as an exporter would on its interval. */
class InMemoryReader extends MetricReader {
  protected async onShutdown(): Promise<void> {}
  protected async onForceFlush(): Promise<void> {}

  /** The values of the store gauge now (empty when nothing is observed). */
  async storeDegraded(): Promise<unknown[]> {
    const { resourceMetrics } = await this.collect();
    const metric = resourceMetrics.scopeMetrics
      .flatMap((scope) => scope.metrics)
      .find((m) => m.descriptor.name === TOKEN_METRICS.storeDegraded);
    return (metric?.dataPoints ?? []).map((point) => point.value);
  }
}

describeWithRedisServer('an instance whose Redis store goes away says so in health output and a metric', () => {
  let idp: TestIdp;
  let redis: RedisServer;
  let moduleRef: TestingModule | undefined;
  let provider: MeterProvider;

  beforeAll(async () => {
    [idp, redis] = await Promise.all([TestIdp.start({ clients: [CLIENT] }), RedisServer.start()]);
  });
  afterEach(async () => {
    await moduleRef?.close();
    await provider?.shutdown();
  });
  afterAll(async () => {
    await Promise.all([idp?.stop(), redis?.stop()]);
  });

  it("redis-server killed: callers are served, health shows store: 'degraded' and the gauge 1; Redis back: both clear", async () => {
    const reader = new InMemoryReader();
    provider = new MeterProvider({ readers: [reader] });
    const store = new RedisTokenStore({ redis: redis.url, keyPrefix: 'degraded:', commandTimeoutMs: 200 });
    moduleRef = await Test.createTestingModule({
      imports: [TerminusModule.forRoot({ logger: false }), TokenModule.forRoot({ tokenUrl: idp.tokenUrl, ...CLIENT, store })],
      providers: [TokenHealthIndicator, TokenMetricsService, { provide: TOKEN_METER, useValue: provider.getMeter('test') }],
    }).compile();
    moduleRef.useLogger(false);
    await moduleRef.init();
    const manager = moduleRef.get(TokenManagerService);
    const health = moduleRef.get(TokenHealthIndicator);

    const first = await manager.getAccessToken();
    expect((await health.isHealthy()).oauth2).not.toHaveProperty('store');
    expect(await reader.storeDegraded()).toEqual([]);

    await redis.kill();
    const unavailable = nextEvent(manager, 'store_unavailable');
    manager.invalidate(first);
    const duringOutage = await manager.getAccessToken();
    await unavailable;
    expect(duringOutage).not.toBe(first);
    expect((await health.isHealthy()).oauth2).toMatchObject({ status: 'up', store: 'degraded' });
    expect(await reader.storeDegraded()).toEqual([1]);

    await redis.restart();
    await waitUntil(() => store.toJSON().status === 'ready');
    const available = nextEvent(manager, 'store_available');
    manager.invalidate(duringOutage);
    await manager.getAccessToken();
    await available;
    expect((await health.isHealthy()).oauth2).not.toHaveProperty('store');
    expect(await reader.storeDegraded()).toEqual([0]);
  });
});
