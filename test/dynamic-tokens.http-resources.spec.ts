import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { HttpService } from '@nestjs/axios';
import { decodeJwt } from 'jose';
import { TokenConfigError, type TokenEvent } from '../lib/index.js';
import { jwtVerifier, ProtectedResource, type TokenVerifier } from './support/protected-resource.js';
import { TestIdp } from './support/test-idp.js';
import { startTokenApp, type TokenApp } from './support/token-app.js';

const CLIENT = { clientId: 'test-client', clientSecret: 'test-secret-value-1234' };

/** An API that accepts only tokens minted for it (`aud` = its resource indicator), minus the ones it revoked. */
function apiVerifier(idp: TestIdp, audience: () => string, revoked: ReadonlySet<string>): TokenVerifier {
  return async (token) => (revoked.has(token) ? 'invalid_token' : jwtVerifier(idp, audience())(token));
}

describe('http.resources: the authorized HttpService sends each API origin a token minted for it (RFC 8707)', () => {
  let idp: TestIdp;
  let orders: ProtectedResource;
  let billing: ProtectedResource;
  let app: TokenApp;
  let http: HttpService;
  const revokedAtOrders = new Set<string>();
  const ordersResource = () => `${orders.url}/`;
  const billingResource = () => `${billing.url}/`;

  beforeAll(async () => {
    idp = await TestIdp.start({ audienceFromResource: true });
    orders = await ProtectedResource.start(apiVerifier(idp, ordersResource, revokedAtOrders));
    billing = await ProtectedResource.start(apiVerifier(idp, billingResource, new Set()));
    app = await startTokenApp({
      tokenUrl: idp.tokenUrl,
      ...CLIENT,
      http: {
        resources: {
          [orders.url]: { resource: ordersResource(), scope: 'api:read' },
          [billing.url]: { resource: billingResource() },
        },
      },
    });
    http = app.moduleRef.get(HttpService);
  });
  afterAll(async () => {
    await app.close();
    await orders.stop();
    await billing.stop();
    await idp.stop();
  });

  it('50 concurrent calls to each of two APIs all succeed with one token request per API, each token for its own API', async () => {
    const calls = [
      ...Array.from({ length: 50 }, (_, i) => http.axiosRef.get(`${orders.url}/orders/${i}`)),
      ...Array.from({ length: 50 }, (_, i) => http.axiosRef.get(`${billing.url}/invoices/${i}`)),
    ];
    const responses = await Promise.all(calls);
    expect(responses.every((response) => response.status === 200)).toBe(true);
    expect(idp.tokenRequests).toBe(2);
    const audiences = (api: ProtectedResource) =>
      new Set(api.requests.map((request) => decodeJwt(request.authorization!.replace(/^Bearer /, '')).aud));
    expect([...audiences(orders)]).toEqual([ordersResource()]);
    expect([...audiences(billing)]).toEqual([billingResource()]);
  });

  it('an API that revoked its token costs exactly one new token, for that API only', async () => {
    const billingTokenBefore = billing.requests.at(-1)!.authorization;
    revokedAtOrders.add(orders.requests.at(-1)!.authorization!.replace(/^Bearer /, ''));
    const requestsBefore = idp.tokenRequests;
    const retries: TokenEvent[] = [];
    const subscription = app.manager.events$.subscribe((event) => event.type === 'unauthorized_retry' && retries.push(event));
    const responses = await Promise.all(Array.from({ length: 20 }, (_, i) => http.axiosRef.get(`${orders.url}/orders/again/${i}`)));
    subscription.unsubscribe();
    expect(responses.every((response) => response.status === 200)).toBe(true);
    expect(idp.tokenRequests).toBe(requestsBefore + 1);
    // Each resend is reported under the orders API's token, not the registration's.
    expect(retries).toHaveLength(20);
    const ordersEntry = app.manager.getTokenEntry({ resource: ordersResource(), scope: 'api:read' })!.entry;
    expect(retries.every((event) => 'entry' in event && event.entry === ordersEntry)).toBe(true);
    expect(ordersEntry.resourceOrigin).toBe(orders.url);
    await http.axiosRef.get(`${billing.url}/invoices/again`);
    expect(billing.requests.at(-1)!.authorization).toBe(billingTokenBefore);
    expect(idp.tokenRequests).toBe(requestsBefore + 1);
  });

  it('other origins are not allowed: a request elsewhere carries no token', async () => {
    const elsewhere = await ProtectedResource.start('public');
    try {
      await http.axiosRef.get(`${elsewhere.url}/public`);
      expect(elsewhere.requests.at(-1)!.authorization).toBeUndefined();
    } finally {
      await elsewhere.stop();
    }
  });
});

describe('http.resources validation', () => {
  it('bad token parameters for an origin fail startup with a TokenConfigError naming the origin and the field', async () => {
    const error = await startTokenApp({
      tokenUrl: 'https://idp.example.test/token',
      ...CLIENT,
      http: { resources: { 'https://orders.example.test': { resource: 'not a uri' } } },
    }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(TokenConfigError);
    expect((error as Error).message).toContain('http.resources["https://orders.example.test"]');
    expect((error as Error).message).toContain('resource');
  });

  it('a key that is not an origin is reported by position', async () => {
    const error = await startTokenApp({
      tokenUrl: 'https://idp.example.test/token',
      ...CLIENT,
      http: { resources: { 'https://orders.example.test/v1/path': { audience: 'orders' } } },
    }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(TokenConfigError);
    expect((error as Error).message).toContain('http.resources[0]');
  });
});
