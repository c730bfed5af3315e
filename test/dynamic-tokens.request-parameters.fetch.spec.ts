import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { type AuthorizedFetch, createAuthorizedFetch, getAuthorizedFetchToken, TokenConfigError } from '../lib/index.js';
import { audienceOf, bearerOf, type RequestParameterApis, startRequestParameterApis } from './support/request-parameter-apis.js';

describe('tokenParameters on a fetch call: the call carries the token for its own parameters (RFC 8707)', () => {
  let apis: RequestParameterApis;
  let injected: AuthorizedFetch;
  /** The init of every call the fetch underneath was given, as it was given. */
  const underlyingInits: RequestInit[] = [];
  const underlying = (input: string | URL | Request, init?: RequestInit) => {
    underlyingInits.push({ ...init });
    return fetch(input, init);
  };
  let created: AuthorizedFetch;

  beforeAll(async () => {
    apis = await startRequestParameterApis();
    injected = apis.app.moduleRef.get<AuthorizedFetch>(getAuthorizedFetchToken());
    created = createAuthorizedFetch(apis.app.manager, { allowedOrigins: [apis.orders.url], fetch: underlying });
  });
  afterAll(() => apis.stop());
  beforeEach(() => {
    apis.orders.requests.length = 0;
    apis.elsewhere.requests.length = 0;
    underlyingInits.length = 0;
  });

  it("a call of the injected fetch naming resource X carries a token minted for X; the origin's other calls keep its http.resources token", async () => {
    const { orders } = apis;
    const named = await injected(`${orders.url}/admin/1`, { tokenParameters: { resource: apis.ordersPart('admin') } });
    const plain = await injected(`${orders.url}/orders/1`);
    expect([named.status, plain.status]).toEqual([200, 200]);
    expect(audienceOf(orders.requestsTo('/admin/1')[0])).toBe(apis.ordersPart('admin'));
    expect(audienceOf(orders.requestsTo('/orders/1')[0])).toBe(apis.ordersResource);
  });

  it('the field never reaches the fetch underneath (nor so the server), to an allowed origin or any other', async () => {
    const tokenParameters = { resource: apis.ordersPart('hidden') };
    const body = JSON.stringify({ order: 1 });
    expect((await created(`${apis.orders.url}/hidden/1`, { method: 'POST', body, tokenParameters })).status).toBe(200);
    expect((await created(`${apis.elsewhere.url}/public`, { tokenParameters })).status).toBe(200);
    expect(underlyingInits).toHaveLength(2);
    expect(underlyingInits.every((init) => !('tokenParameters' in init))).toBe(true);
    expect(apis.orders.requestsTo('/hidden/1')[0]?.body).toBe(body);
    expect(audienceOf(apis.orders.requestsTo('/hidden/1')[0])).toBe(apis.ordersPart('hidden'));
    expect(apis.elsewhere.requestsTo('/public')[0]?.authorization).toBeUndefined();
  });

  it("a 401 to a call naming parameters renews only that set's token, once, and resends with it; the origin's token is unchanged", async () => {
    const { idp, orders } = apis;
    const tokenParameters = { resource: apis.ordersPart('ledger') };
    await injected(`${orders.url}/orders/before`);
    await injected(`${orders.url}/ledger/before`, { tokenParameters });
    const originToken = bearerOf(orders.requestsTo('/orders/before')[0]);
    const rejected = bearerOf(orders.requestsTo('/ledger/before')[0]);
    apis.revoked.add(rejected);
    const before = idp.tokenRequests;

    const response = await injected(`${orders.url}/ledger/1`, { method: 'POST', body: 'entry', tokenParameters });
    expect(response.status).toBe(200);
    expect(idp.tokenRequests).toBe(before + 1);
    const [refused, resent] = orders.requestsTo('/ledger/1');
    expect(bearerOf(refused)).toBe(rejected);
    expect(audienceOf(resent)).toBe(apis.ordersPart('ledger'));
    expect(resent?.body).toBe('entry');

    await injected(`${orders.url}/orders/after`);
    expect(bearerOf(orders.requestsTo('/orders/after')[0])).toBe(originToken);
    expect(idp.tokenRequests).toBe(before + 1);
  });

  it('bad parameters reject the call with a TokenConfigError naming the field, and nothing is sent', async () => {
    const before = apis.idp.tokenRequests;
    const error = await created(`${apis.orders.url}/bad/1`, { tokenParameters: { scope: ['api:read', 7 as never] } }).catch(
      (caught: unknown) => caught,
    );
    expect(error).toBeInstanceOf(TokenConfigError);
    expect((error as TokenConfigError).problems.map((problem) => problem.field)).toEqual(['scope']);
    expect(underlyingInits).toHaveLength(0);
    expect(apis.orders.requests).toHaveLength(0);
    expect(apis.idp.tokenRequests).toBe(before);
  });
});
