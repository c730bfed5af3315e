import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { HttpService } from '@nestjs/axios';
import { Test, type TestingModule } from '@nestjs/testing';
import { metrics } from '@opentelemetry/api';
import { MeterProvider } from '@opentelemetry/sdk-metrics';
import { firstValueFrom } from 'rxjs';
import { TokenManagerService, TokenModule } from '../../lib/index.js';
import { TOKEN_METER, TOKEN_METER_NAME, TOKEN_METRICS, TokenMetricsService } from '../../lib/otel/index.js';
import { TokenTestingModule } from '../../lib/testing/index.js';
import { InMemoryReader, points } from '../support/in-memory-metric-reader.js';
import { ManualClock } from '../support/manual-clock.js';
import { json, ProgrammableServer } from '../support/programmable-server.js';
import { TestIdp } from '../support/test-idp.js';
import { nextEvent } from '../support/token-app.js';

/** The attributes of the registration's own token (calls without per-call parameters). */
const DEFAULT_ENTRY = { 'token.entry': 'default' };

describe('OpenTelemetry metrics of the token lifecycle', () => {
  let idp: TestIdp;
  let moduleRef: TestingModule | undefined;
  let provider: MeterProvider;
  let reader: InMemoryReader;

  beforeAll(async () => {
    idp = await TestIdp.start({ ttlSeconds: 3600 });
  });
  afterAll(async () => {
    await idp.stop();
  });
  afterEach(async () => {
    await moduleRef?.close();
    moduleRef = undefined;
    metrics.disable();
    await provider.shutdown();
  });

  function newProvider(): void {
    reader = new InMemoryReader();
    provider = new MeterProvider({ readers: [reader] });
  }

  it('counts token requests by outcome, times them, and gauges the seconds to expiry by the injected clock', async () => {
    newProvider();
    const clock = new ManualClock();
    moduleRef = await Test.createTestingModule({
      imports: [
        TokenModule.forRoot({
          tokenUrl: idp.tokenUrl,
          clientId: 'test-client',
          clientSecret: 'test-secret-value-1234',
          clock: clock.now,
          retry: { maxAttempts: 1 },
          failureCooldownMs: 0,
        }),
      ],
      providers: [TokenMetricsService, { provide: TOKEN_METER, useValue: provider.getMeter('test') }],
    }).compile();
    moduleRef.useLogger(false);
    await moduleRef.init();
    const manager = moduleRef.get(TokenManagerService);

    expect(points((await reader.snapshot()).get(TOKEN_METRICS.secondsToExpiry))).toEqual([]);
    await manager.getAccessToken();
    let snapshot = await reader.snapshot();
    expect(points(snapshot.get(TOKEN_METRICS.requests))).toEqual([{ attributes: { ...DEFAULT_ENTRY, outcome: 'success' }, value: 1 }]);
    expect(points(snapshot.get(TOKEN_METRICS.requestDuration))).toEqual([
      { attributes: { ...DEFAULT_ENTRY, outcome: 'success' }, value: expect.objectContaining({ count: 1 }) },
    ]);
    expect(points(snapshot.get(TOKEN_METRICS.secondsToExpiry))).toEqual([{ attributes: DEFAULT_ENTRY, value: 3600 }]);
    expect(snapshot.get(TOKEN_METRICS.requestDuration)?.descriptor.unit).toBe('s');

    clock.advanceSeconds(3400); // stale: 200 s left, a background refresh starts and fails
    idp.faults.push((ctx) => {
      ctx.status = 503;
      ctx.type = 'application/json';
      ctx.body = { error: 'temporarily_unavailable' };
    });
    const failed = nextEvent(manager, 'refresh_failed');
    await manager.getAccessToken();
    await failed;
    snapshot = await reader.snapshot();
    expect(points(snapshot.get(TOKEN_METRICS.requests))).toEqual([
      { attributes: { ...DEFAULT_ENTRY, outcome: 'success' }, value: 1 },
      { attributes: { ...DEFAULT_ENTRY, outcome: 'failure', 'error.type': 'TokenEndpointError' }, value: 1 },
    ]);
    expect(points(snapshot.get(TOKEN_METRICS.secondsToExpiry))).toEqual([{ attributes: DEFAULT_ENTRY, value: 200 }]);
  });

  it('records on the global meter provider when the SDK is registered before the app starts, under the package meter name', async () => {
    newProvider();
    metrics.setGlobalMeterProvider(provider);
    moduleRef = await Test.createTestingModule({
      imports: [TokenModule.forRoot({ tokenUrl: idp.tokenUrl, clientId: 'test-client', clientSecret: 'test-secret-value-1234' })],
      providers: [TokenMetricsService],
    }).compile();
    moduleRef.useLogger(false);
    await moduleRef.init();
    await moduleRef.get(TokenManagerService).getAccessToken();
    const requests = (await reader.snapshot()).get(TOKEN_METRICS.requests);
    expect(requests?.scope).toBe(TOKEN_METER_NAME);
    expect(points(requests)).toEqual([{ attributes: { ...DEFAULT_ENTRY, outcome: 'success' }, value: 1 }]);
  });

  it('counts a request retried after a 401 (through the testing module’s authorized HttpService)', async () => {
    newProvider();
    const api = await ProgrammableServer.start((request, response) =>
      request.headers.authorization === 'Bearer fresh'
        ? json(response, 200, { ok: true })
        : json(response, 401, { error: 'invalid_token' }),
    );
    try {
      moduleRef = await Test.createTestingModule({
        imports: [TokenTestingModule.forRoot({ tokens: ['stale', 'fresh'] })],
        providers: [TokenMetricsService, { provide: TOKEN_METER, useValue: provider.getMeter('test') }],
      }).compile();
      await moduleRef.init();
      const response = await firstValueFrom(moduleRef.get(HttpService).get(`${api.url}/orders`));
      expect(response.data).toEqual({ ok: true });
      expect(points((await reader.snapshot()).get(TOKEN_METRICS.unauthorizedRetries))).toEqual([{ attributes: DEFAULT_ENTRY, value: 1 }]);
    } finally {
      await api.stop();
    }
  });

  it('counts the refreshes refreshInBackground started, by outcome (real timers, 4 s tokens)', async () => {
    newProvider();
    let answered = 0;
    const server = await ProgrammableServer.start((_, response) =>
      ++answered <= 2
        ? json(response, 200, { access_token: `short-lived-${answered}`, token_type: 'Bearer', expires_in: 4 })
        : json(response, 503, { error: 'temporarily_unavailable' }),
    );
    try {
      moduleRef = await Test.createTestingModule({
        imports: [
          TokenModule.forRoot({
            tokenUrl: `${server.url}/token`,
            clientId: 'test-client',
            clientSecret: 'test-secret-value-1234',
            refreshInBackground: true,
            retry: { maxAttempts: 1 },
          }),
        ],
        providers: [TokenMetricsService, { provide: TOKEN_METER, useValue: provider.getMeter('test') }],
      }).compile();
      moduleRef.useLogger(false);
      await moduleRef.init();
      const manager = moduleRef.get(TokenManagerService);
      const succeeded = nextEvent(manager, 'background_refresh');
      await manager.getAccessToken();
      await succeeded;
      await nextEvent(manager, 'background_refresh');
      expect(points((await reader.snapshot()).get(TOKEN_METRICS.backgroundRefreshes))).toEqual([
        { attributes: { ...DEFAULT_ENTRY, outcome: 'success' }, value: 1 },
        { attributes: { ...DEFAULT_ENTRY, outcome: 'failure' }, value: 1 },
      ]);
    } finally {
      await moduleRef?.close();
      moduleRef = undefined;
      await server.stop();
    }
  });
});
