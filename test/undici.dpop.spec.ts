import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { decodeJwt } from 'jose';
import { Agent, type Dispatcher, interceptors, request } from 'undici';
import { DpopService } from '../lib/index.js';
import { createUndiciTokenInterceptor } from '../lib/undici/index.js';
import { DpopResourceServer } from './support/dpop-resource-server.js';
import { TestIdp } from './support/test-idp.js';
import { startTokenApp, type TokenApp } from './support/token-app.js';

const CLIENT = { clientId: 'dpop-client', clientSecret: 'dpop-secret-value-1234' };

describe('the undici token interceptor with DPoP against oidc-provider and a proof-verifying API', () => {
  let idp: TestIdp;
  let api: DpopResourceServer;
  let app: TokenApp;
  let agent: Agent;
  let dispatcher: Dispatcher;

  beforeAll(async () => {
    idp = await TestIdp.start({ clients: [{ ...CLIENT, dpopBound: true }], dpop: {} });
  });
  beforeEach(async () => {
    api = await DpopResourceServer.start(idp);
    app = await startTokenApp({ tokenUrl: idp.tokenUrl, ...CLIENT, dpop: true });
    agent = new Agent();
    const dpop = app.moduleRef.get(DpopService);
    dispatcher = agent.compose(
      createUndiciTokenInterceptor(app.manager, { allowedOrigins: [api.baseUrl], dpop }),
      interceptors.redirect({ maxRedirections: 3 }),
    );
    idp.tokenRequests = 0;
  });
  afterEach(async () => {
    await agent.close();
    await app.close();
    await api.stop();
  });
  afterAll(async () => {
    await idp.stop();
  });

  it('100 concurrent calls: one token request, each first attempt meets the nonce demand and is resent once with its own proof', async () => {
    const statuses = await Promise.all(
      Array.from({ length: 100 }, async (_, index) => {
        const response = await request(`${api.baseUrl}/orders/${index}?page=2`, { dispatcher, method: 'POST', body: `n=${index}` });
        await response.body.text();
        return response.statusCode;
      }),
    );
    expect(statuses).toEqual(Array.from({ length: 100 }, () => 200));
    expect(idp.tokenRequests).toBe(1);
    expect(api.nonceChallenges).toBe(100);
    expect(api.captured).toHaveLength(200);
    expect(new Set(api.captured.map((entry) => decodeJwt(entry.dpop!).jti)).size).toBe(200);
    expect(decodeJwt(api.captured.at(-1)!.dpop!)).toMatchObject({ htm: 'POST', nonce: api.nonce });
    expect(api.captured.every((entry) => entry.authorization?.startsWith('DPoP '))).toBe(true);
  });

  it('a server demanding a new nonce on every attempt gets one resend, then the 401 reaches the caller', async () => {
    api.alwaysDemandNonce = true;
    const response = await request(`${api.baseUrl}/orders`, { dispatcher });
    expect(response.statusCode).toBe(401);
    expect(response.headers['www-authenticate']).toMatch(/use_dpop_nonce/);
    await response.body.text();
    expect(api.captured).toHaveLength(2);
  });
});
