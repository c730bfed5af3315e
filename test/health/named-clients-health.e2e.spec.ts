import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Controller, Get, type INestApplication } from '@nestjs/common';
import { HealthCheck, HealthCheckService, TerminusModule } from '@nestjs/terminus';
import { Test } from '@nestjs/testing';
import {
  getTokenHealthIndicatorToken,
  InjectTokenHealthIndicator,
  provideTokenHealthIndicator,
  TokenHealthIndicator,
} from '../../lib/health/index.js';
import { type DpopService, getDpopServiceToken, getTokenManagerToken, type TokenManagerService, TokenModule } from '../../lib/index.js';
import { TestIdp } from '../support/test-idp.js';

@Controller('health')
class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    @InjectTokenHealthIndicator('billing') private readonly billing: TokenHealthIndicator,
    @InjectTokenHealthIndicator('shipping') private readonly shipping: TokenHealthIndicator,
  ) {}

  @Get()
  @HealthCheck()
  check() {
    return this.health.check([
      () => this.billing.isHealthy(undefined, { timeoutMs: 1000 }),
      () => this.shipping.isHealthy(undefined, { timeoutMs: 1000 }),
    ]);
  }
}

describe('health of named clients: one entry per client', () => {
  let billingIdp: TestIdp;
  let shippingIdp: TestIdp;
  let app: INestApplication;
  let url: string;

  beforeAll(async () => {
    billingIdp = await TestIdp.start({ clients: [{ clientId: 'billing', clientSecret: 'billing-secret-123456' }] });
    shippingIdp = await TestIdp.start({ clients: [{ clientId: 'shipping', clientSecret: 'shipping-secret-123456' }] });
    const moduleRef = await Test.createTestingModule({
      imports: [
        TerminusModule.forRoot({ logger: false }),
        TokenModule.forRoot({
          name: 'billing',
          tokenUrl: billingIdp.tokenUrl,
          clientId: 'billing',
          clientSecret: 'billing-secret-123456',
          retry: { maxAttempts: 1 },
        }),
        TokenModule.forRoot({
          name: 'shipping',
          tokenUrl: shippingIdp.tokenUrl,
          clientId: 'shipping',
          clientSecret: 'shipping-secret-123456',
          retry: { maxAttempts: 1 },
        }),
      ],
      controllers: [HealthController],
      providers: [provideTokenHealthIndicator('billing'), provideTokenHealthIndicator('shipping')],
    }).compile();
    app = moduleRef.createNestApplication({ logger: false });
    await app.listen(0, '127.0.0.1');
    url = `http://127.0.0.1:${(app.getHttpServer().address() as { port: number }).port}/health`;
  });
  afterAll(async () => {
    await app.close();
    await Promise.all([billingIdp.stop(), shippingIdp.stop().catch(() => undefined)]);
  });

  it('reports oauth2:billing and oauth2:shipping separately, each watching its own client', async () => {
    const healthy = await fetch(url);
    expect(healthy.status).toBe(200);
    expect(await healthy.json()).toMatchObject({
      status: 'ok',
      info: { 'oauth2:billing': { status: 'up' }, 'oauth2:shipping': { status: 'up' } },
    });
    expect(billingIdp.tokenRequests).toBe(1);
    expect(shippingIdp.tokenRequests).toBe(1);

    // Only shipping loses its IdP; drop its token so the next check must fetch one.
    await shippingIdp.stop();
    const shippingManager = app.get<TokenManagerService>(getTokenManagerToken('shipping'));
    shippingManager.invalidate();
    const degraded = await fetch(url);
    expect(degraded.status).toBe(503);
    const body = (await degraded.json()) as {
      info: Record<string, { status: string }>;
      error: Record<string, { status: string; lastError: { class: string } }>;
    };
    expect(body.info['oauth2:billing']).toMatchObject({ status: 'up' });
    expect(body.error['oauth2:shipping']).toMatchObject({ status: 'down', lastError: { class: 'TokenEndpointError' } });
  });
});

describe('health of a named DPoP client', () => {
  it("reports that client's DPoP mode and thumbprint, the same as its DpopService", async () => {
    const idp = await TestIdp.start({
      clients: [
        { clientId: 'signing', clientSecret: 'signing-secret-123456', dpopBound: true },
        { clientId: 'test-client', clientSecret: 'test-secret-value-1234' },
      ],
      dpop: {},
    });
    const moduleRef = await Test.createTestingModule({
      imports: [
        TerminusModule.forRoot({ logger: false }),
        TokenModule.forRoot({
          name: 'signing',
          tokenUrl: idp.tokenUrl,
          clientId: 'signing',
          clientSecret: 'signing-secret-123456',
          dpop: true,
        }),
        TokenModule.forRoot({ name: 'plain', tokenUrl: idp.tokenUrl, clientId: 'test-client', clientSecret: 'test-secret-value-1234' }),
      ],
      providers: [provideTokenHealthIndicator('signing'), provideTokenHealthIndicator('plain')],
    }).compile();
    moduleRef.useLogger(false);
    await moduleRef.init();
    try {
      const dpop = moduleRef.get<DpopService>(getDpopServiceToken('signing'));
      expect(dpop.enabled).toBe(true);
      expect(moduleRef.get<DpopService>(getDpopServiceToken('plain')).enabled).toBe(false);
      const signing = await moduleRef.get<TokenHealthIndicator>(getTokenHealthIndicatorToken('signing')).isHealthy('oauth2:signing');
      expect(signing['oauth2:signing']).toMatchObject({
        status: 'up',
        dpop: { mode: 'ephemeral', alg: 'ES256', thumbprint: dpop.thumbprint },
      });
      const plain = await moduleRef.get<TokenHealthIndicator>(getTokenHealthIndicatorToken('plain')).isHealthy('oauth2:plain');
      expect(plain['oauth2:plain']).toMatchObject({ status: 'up' });
      expect(plain['oauth2:plain']).not.toHaveProperty('dpop');
    } finally {
      await moduleRef.close();
      await idp.stop();
    }
  });
});
