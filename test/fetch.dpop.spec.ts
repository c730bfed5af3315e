import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { decodeJwt } from 'jose';
import { createAuthorizedFetch, DpopService } from '../lib/index.js';
import { DpopResourceServer } from './support/dpop-resource-server.js';
import { TestIdp } from './support/test-idp.js';
import { startTokenApp, type TokenApp } from './support/token-app.js';

const CLIENT = { clientId: 'dpop-client', clientSecret: 'dpop-secret-value-1234' };

describe('createAuthorizedFetch with DPoP against oidc-provider and a proof-verifying API', () => {
  let idp: TestIdp;
  let api: DpopResourceServer;
  let app: TokenApp;
  let authorizedFetch: ReturnType<typeof createAuthorizedFetch>;

  beforeAll(async () => {
    idp = await TestIdp.start({ clients: [{ ...CLIENT, dpopBound: true }], dpop: {} });
  });
  beforeEach(async () => {
    api = await DpopResourceServer.start(idp);
    app = await startTokenApp({ tokenUrl: idp.tokenUrl, ...CLIENT, dpop: true });
    authorizedFetch = createAuthorizedFetch(app.manager, { baseURL: api.baseUrl, dpop: app.moduleRef.get(DpopService) });
    idp.tokenRequests = 0;
  });
  afterEach(async () => {
    await app.close();
    await api.stop();
  });
  afterAll(async () => {
    await idp.stop();
  });

  it('100 concurrent calls: one token request, each first attempt meets the nonce demand and is resent once with its own proof', async () => {
    const responses = await Promise.all(
      Array.from({ length: 100 }, (_, index) => authorizedFetch(`/orders/${index}`, { method: 'POST', body: `n=${index}` })),
    );
    expect(responses.map((response) => response.status)).toEqual(Array.from({ length: 100 }, () => 200));
    expect(idp.tokenRequests).toBe(1);
    expect(api.nonceChallenges).toBe(100);
    expect(api.captured).toHaveLength(200);
    expect(new Set(api.captured.map((request) => decodeJwt(request.dpop!).jti)).size).toBe(200);
    expect(decodeJwt(api.captured.at(-1)!.dpop!)).toMatchObject({ htm: 'POST', nonce: api.nonce });
  });

  it('a server demanding a new nonce on every attempt gets one resend, then the 401 reaches the caller', async () => {
    api.alwaysDemandNonce = true;
    const response = await authorizedFetch('/orders');
    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toMatch(/use_dpop_nonce/);
    expect(api.captured).toHaveLength(2);
  });
});
