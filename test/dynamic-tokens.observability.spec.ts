import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { Test, type TestingModule } from '@nestjs/testing';
import { MeterProvider } from '@opentelemetry/sdk-metrics';
import { TokenHealthIndicator } from '../lib/health/index.js';
import { TokenManagerService, TokenModule, type TokenEvent } from '../lib/index.js';
import { TOKEN_METER, TOKEN_METRICS, TokenMetricsService } from '../lib/otel/index.js';
import { startHealthApp, type HealthApp } from './support/health-app.js';
import { InMemoryReader, points } from './support/in-memory-metric-reader.js';
import { ManualClock } from './support/manual-clock.js';
import { TestIdp } from './support/test-idp.js';

const CLIENT = { clientId: 'test-client', clientSecret: 'test-secret-value-1234' };
const ORDERS = 'https://orders.example.test/';
const BILLING = 'https://billing.example.test/v2/';
/** A parameter value no label, event or health output may show. */
const TENANT_CODE = 'tenant-7f3a9c1e-private';
const ENTRY_ID = /^[0-9a-f]{12}$/;

/** The IdP answers the next token request with `invalid_target` (RFC 8707 §2): that parameter set fails. */
function refuseNextResource(idp: TestIdp): void {
  idp.faults.push((ctx) => {
    ctx.status = 400;
    ctx.type = 'application/json';
    ctx.body = { error: 'invalid_target', error_description: 'resource not served to this client' };
  });
}

describe('per-call tokens in events, getTokenEntries and health: a short id and the resource origin, never a parameter', () => {
  let idp: TestIdp;
  let health: HealthApp;
  let indicator: TokenHealthIndicator;
  const events: TokenEvent[] = [];

  beforeAll(async () => {
    idp = await TestIdp.start({ ttlSeconds: 3600, audienceFromResource: true });
    health = await startHealthApp({ tokenUrl: idp.tokenUrl, maxCachedTokens: 2 });
    health.manager.events$.subscribe((event) => events.push(event));
    indicator = health.app.get(TokenHealthIndicator);
  });
  afterAll(async () => {
    await health.app.close();
    await idp.stop();
  });
  afterEach(() => {
    idp.faults.length = 0;
  });

  it("each token's events name its entry: 'default' for the registration's, a 12-digit id and the resource origin for a parameter set", async () => {
    await health.manager.getAccessToken();
    await health.manager.getAccessToken({ resource: ORDERS, scope: 'api:read', extraParams: { tenant: TENANT_CODE } });
    await health.manager.getAccessToken({ resource: BILLING });
    const acquired = events.flatMap((event) => (event.type === 'acquired' ? [event] : []));
    expect(acquired.map((event) => event.entry)).toEqual([
      { id: 'default' },
      { id: expect.stringMatching(ENTRY_ID), resourceOrigin: 'https://orders.example.test' },
      { id: expect.stringMatching(ENTRY_ID), resourceOrigin: 'https://billing.example.test' },
    ]);
    expect(new Set(acquired.map((event) => event.entry.id)).size).toBe(3);
    expect(JSON.stringify(events)).not.toContain(TENANT_CODE);
    expect(JSON.stringify(events)).not.toContain('api:read');
  });

  it('getTokenEntries lists the registration first and each held parameter set, at most maxCachedTokens of them', async () => {
    const listed = health.manager.getTokenEntries();
    expect(listed.map(({ entry }) => entry.resourceOrigin)).toEqual([
      undefined,
      'https://orders.example.test',
      'https://billing.example.test',
    ]);
    expect(listed.every(({ token }) => token !== null && token.expiresAt.getTime() > health.clock.nowMs)).toBe(true);
    await health.manager.getAccessToken({ resource: 'https://third.example.test/' });
    const afterEviction = health.manager.getTokenEntries().map(({ entry }) => entry.resourceOrigin);
    expect(afterEviction).toEqual([undefined, 'https://billing.example.test', 'https://third.example.test']);
    expect(health.manager.getTokenEntry({ resource: ORDERS, scope: 'api:read', extraParams: { tenant: TENANT_CODE } })).toBeNull();
  });

  it('the same parameters get the same id in another instance (it is the fleet key), so dashboards line up across a fleet', async () => {
    const other = await startHealthApp({ tokenUrl: idp.tokenUrl });
    try {
      await other.manager.getAccessToken({ resource: BILLING });
      expect(other.manager.getTokenEntry({ resource: BILLING })!.entry).toEqual(health.manager.getTokenEntry({ resource: BILLING })!.entry);
    } finally {
      await other.app.close();
    }
  });

  it("health of the registration's token lists the other tokens; one whose refresh failed shows it there without turning the check down", async () => {
    refuseNextResource(idp);
    const refused = { resource: 'https://refused.example.test/', extraParams: { tenant: TENANT_CODE } };
    await expect(health.manager.getAccessToken(refused)).rejects.toThrow(/invalid_target/);
    const result = await indicator.isHealthy('oauth2');
    expect(result.oauth2.status).toBe('up');
    const entries = (result.oauth2 as unknown as { entries: { resourceOrigin: string; refreshFailed: boolean; lastError: unknown }[] })
      .entries;
    expect(entries.map((entry) => entry.resourceOrigin)).toEqual(['https://third.example.test', 'https://refused.example.test']);
    expect(entries[1]).toMatchObject({
      id: expect.stringMatching(ENTRY_ID),
      secondsToExpiry: null,
      refreshFailed: true,
      lastError: { class: 'TokenEndpointError', message: expect.stringContaining('invalid_target') },
    });
    expect(entries[0]).toMatchObject({ secondsToExpiry: 3600, refreshFailed: false, lastError: null });
    expect(JSON.stringify(result)).not.toContain(TENANT_CODE);
  });

  it('a check with parameters is of that token: down while its IdP refuses it, up with its own label once it is served', async () => {
    const parameters = { resource: 'https://flaky.example.test/api' };
    refuseNextResource(idp);
    const down = await indicator.isHealthy('orders-api', { parameters });
    expect(down['orders-api']).toMatchObject({
      status: 'down',
      reason: 'no valid token: the token request failed',
      entry: { id: expect.stringMatching(ENTRY_ID), resourceOrigin: 'https://flaky.example.test' },
      lastError: { class: 'TokenEndpointError' },
    });
    const up = await indicator.isHealthy('orders-api', { parameters });
    expect(up['orders-api']).toMatchObject({ status: 'up', secondsToExpiry: 3600, lastError: { class: 'TokenEndpointError' } });
    expect(up['orders-api']).not.toHaveProperty('entries');
  });

  it('a check with invalid parameters is down with the TokenConfigError, and sends nothing', async () => {
    const before = idp.tokenRequests;
    const result = await indicator.isHealthy('bad', { parameters: { resource: 'not a uri' } });
    expect(result.bad).toMatchObject({ status: 'down', lastError: { class: 'TokenConfigError' } });
    expect(idp.tokenRequests).toBe(before);
  });
});

describe('per-call tokens in metrics: token.entry and token.resource_origin', () => {
  let idp: TestIdp;
  let moduleRef: TestingModule;
  let provider: MeterProvider;
  let reader: InMemoryReader;
  const clock = new ManualClock();

  beforeAll(async () => {
    idp = await TestIdp.start({ ttlSeconds: 3600, audienceFromResource: true });
    reader = new InMemoryReader('delta');
    provider = new MeterProvider({ readers: [reader] });
    moduleRef = await Test.createTestingModule({
      imports: [
        TokenModule.forRoot({ tokenUrl: idp.tokenUrl, ...CLIENT, clock: clock.now, retry: { maxAttempts: 1 }, failureCooldownMs: 0 }),
      ],
      providers: [TokenMetricsService, { provide: TOKEN_METER, useValue: provider.getMeter('test') }],
    }).compile();
    moduleRef.useLogger(false);
    await moduleRef.init();
  });
  afterAll(async () => {
    await moduleRef.close();
    await provider.shutdown();
    await idp.stop();
  });

  it('counts each token request under its entry and gauges each valid token, without a parameter in any attribute', async () => {
    const manager = moduleRef.get(TokenManagerService);
    await manager.getAccessToken();
    await manager.getAccessToken({ resource: ORDERS, extraParams: { tenant: TENANT_CODE } });
    refuseNextResource(idp);
    await expect(manager.getAccessToken({ resource: BILLING })).rejects.toThrow(/invalid_target/);
    clock.advanceSeconds(600);

    const snapshot = await reader.snapshot();
    const orders = manager.getTokenEntry({ resource: ORDERS, extraParams: { tenant: TENANT_CODE } })!.entry;
    const billing = manager.getTokenEntry({ resource: BILLING })!.entry;
    const ordersAttributes = { 'token.entry': orders.id, 'token.resource_origin': 'https://orders.example.test' };
    const billingAttributes = { 'token.entry': billing.id, 'token.resource_origin': 'https://billing.example.test' };
    expect(points(snapshot.get(TOKEN_METRICS.requests))).toEqual([
      { attributes: { 'token.entry': 'default', outcome: 'success' }, value: 1 },
      { attributes: { ...ordersAttributes, outcome: 'success' }, value: 1 },
      { attributes: { ...billingAttributes, outcome: 'failure', 'error.type': 'TokenEndpointError' }, value: 1 },
    ]);
    expect(points(snapshot.get(TOKEN_METRICS.secondsToExpiry))).toEqual([
      { attributes: { 'token.entry': 'default' }, value: 3000 },
      { attributes: ordersAttributes, value: 3000 },
    ]);
    expect(JSON.stringify([...snapshot.values()].map((metric) => metric.dataPoints))).not.toContain(TENANT_CODE);

    // Past expiry a per-call token nobody asked for again is no longer gauged; the registration's shows 0 (an alert's signal).
    clock.advanceSeconds(3000);
    expect(points((await reader.snapshot()).get(TOKEN_METRICS.secondsToExpiry))).toEqual([
      { attributes: { 'token.entry': 'default' }, value: 0 },
    ]);
  });
});
