import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { HttpService } from '@nestjs/axios';
import axios from 'axios';
import { firstValueFrom } from 'rxjs';
import { type AccessTokenProvider, attachTokenInterceptor, TokenConfigError } from '../lib/index.js';
import { audienceOf, bearerOf, type RequestParameterApis, startRequestParameterApis } from './support/request-parameter-apis.js';

describe('tokenParameters on an axios request: the request carries the token for its own parameters (RFC 8707)', () => {
  let apis: RequestParameterApis;
  let http: HttpService;

  beforeAll(async () => {
    apis = await startRequestParameterApis();
    http = apis.app.moduleRef.get(HttpService);
  });
  afterAll(() => apis.stop());
  beforeEach(() => {
    apis.orders.requests.length = 0;
    apis.elsewhere.requests.length = 0;
  });

  it("a request naming resource X, to an origin whose http.resources entry is Y, carries a token minted for X; the origin's other requests keep Y", async () => {
    const { orders } = apis;
    const named = await firstValueFrom(http.get(`${orders.url}/admin/1`, { tokenParameters: { resource: apis.ordersPart('admin') } }));
    const plain = await http.axiosRef.get(`${orders.url}/orders/1`);
    expect([named.status, plain.status]).toEqual([200, 200]);
    expect(audienceOf(orders.requestsTo('/admin/1')[0])).toBe(apis.ordersPart('admin'));
    expect(audienceOf(orders.requestsTo('/orders/1')[0])).toBe(apis.ordersResource);
  });

  it('100 concurrent requests naming one parameter set cost exactly one token request, and all carry that token', async () => {
    const { idp, orders } = apis;
    const before = idp.tokenRequests;
    const tokenParameters = { resource: apis.ordersPart('reports'), scope: 'api:read' };
    const responses = await Promise.all(
      Array.from({ length: 100 }, (_, i) => http.axiosRef.get(`${orders.url}/reports/${i}`, { tokenParameters })),
    );
    expect(responses.every((response) => response.status === 200)).toBe(true);
    expect(idp.tokenRequests).toBe(before + 1);
    expect(new Set(orders.requests.map(bearerOf)).size).toBe(1);
    expect(audienceOf(orders.requests[0])).toBe(apis.ordersPart('reports'));
  });

  it("a 401 to requests naming parameters renews only that set's token, once, and resends with it; the origin's token is unchanged", async () => {
    const { idp, orders } = apis;
    const tokenParameters = { resource: apis.ordersPart('archive') };
    await http.axiosRef.get(`${orders.url}/orders/before`);
    await http.axiosRef.get(`${orders.url}/archive/before`, { tokenParameters });
    const originToken = bearerOf(orders.requestsTo('/orders/before')[0]);
    const rejected = bearerOf(orders.requestsTo('/archive/before')[0]);
    apis.revoked.add(rejected);
    const before = idp.tokenRequests;

    const responses = await Promise.all(
      Array.from({ length: 20 }, (_, i) => http.axiosRef.get(`${orders.url}/archive/${i}`, { tokenParameters })),
    );
    expect(responses.every((response) => response.status === 200)).toBe(true);
    expect(idp.tokenRequests).toBe(before + 1);
    const resent = orders.requestsTo('/archive/0').at(-1);
    expect(bearerOf(resent)).not.toBe(rejected);
    expect(audienceOf(resent)).toBe(apis.ordersPart('archive'));

    await http.axiosRef.get(`${orders.url}/orders/after`);
    expect(bearerOf(orders.requestsTo('/orders/after')[0])).toBe(originToken);
    expect(idp.tokenRequests).toBe(before + 1);
  });

  it('bad parameters reject the request with a TokenConfigError naming the field (never its value), and the API sees nothing', async () => {
    const { idp, orders } = apis;
    const before = idp.tokenRequests;
    const badValue = await http.axiosRef
      .get(`${orders.url}/bad/1`, { tokenParameters: { resource: 'not a uri' } })
      .catch((error: unknown) => error);
    const notAnObject = await http.axiosRef
      .get(`${orders.url}/bad/2`, { tokenParameters: 'orders-admin' as never })
      .catch((error: unknown) => error);
    expect(badValue).toBeInstanceOf(TokenConfigError);
    expect((badValue as TokenConfigError).problems.map((problem) => problem.field)).toEqual(['resource']);
    expect((badValue as Error).message).not.toContain('not a uri');
    expect(notAnObject).toBeInstanceOf(TokenConfigError);
    expect((notAnObject as TokenConfigError).problems.map((problem) => problem.field)).toEqual(['tokenParameters']);
    expect(orders.requests).toHaveLength(0);
    expect(idp.tokenRequests).toBe(before);
  });

  it('a request to an origin outside the allowlist carries no token, whatever its tokenParameters say, and mints none', async () => {
    const { idp, elsewhere } = apis;
    const before = idp.tokenRequests;
    const response = await http.axiosRef.get(`${elsewhere.url}/public`, { tokenParameters: { resource: apis.ordersPart('leak') } });
    expect(response.status).toBe(200);
    expect(elsewhere.requests[0]?.authorization).toBeUndefined();
    expect(idp.tokenRequests).toBe(before);
  });

  it("redirects keep the rules: a hop within the origin keeps the parameters' token, a hop to a foreign origin goes without it", async () => {
    const { orders, elsewhere } = apis;
    const tokenParameters = { resource: apis.ordersPart('moved') };
    orders.redirects.set('/moved/here', { status: 307, location: `${orders.url}/moved/there` });
    orders.redirects.set('/moved/away', { status: 302, location: `${elsewhere.url}/landed` });
    expect((await http.axiosRef.get(`${orders.url}/moved/here`, { tokenParameters })).status).toBe(200);
    await http.axiosRef.get(`${orders.url}/moved/away`, { tokenParameters });
    expect(audienceOf(orders.requestsTo('/moved/there')[0])).toBe(apis.ordersPart('moved'));
    expect(elsewhere.requestsTo('/landed')[0]?.authorization).toBeUndefined();
  });

  it('on an axios instance whose default token is cached (the synchronous path), a request naming parameters still waits for their token', async () => {
    const { app, orders } = apis;
    const instance = axios.create();
    const detach = attachTokenInterceptor(instance, app.manager, { allowedOrigins: [orders.url] });
    try {
      await app.manager.getAccessToken();
      const response = await instance.get(`${orders.url}/fast/1`, { tokenParameters: { resource: apis.ordersPart('fast') } });
      expect(response.status).toBe(200);
      expect(audienceOf(orders.requestsTo('/fast/1')[0])).toBe(apis.ordersPart('fast'));
    } finally {
      detach();
    }
  });

  it('a token provider without tokensFor: a request naming parameters rejects with a TokenConfigError saying so, and is not sent', async () => {
    const { app, orders } = apis;
    const manager = app.manager;
    const plainProvider: AccessTokenProvider = {
      getAccessToken: (options) => manager.getAccessToken(options),
      invalidate: (rejectedToken) => manager.invalidate(rejectedToken),
      renewRejected: (rejectedToken, options) => manager.renewRejected(rejectedToken, options),
    };
    const instance = axios.create();
    const detach = attachTokenInterceptor(instance, plainProvider, { allowedOrigins: [orders.url] });
    try {
      const error = await instance
        .get(`${orders.url}/plain/1`, { tokenParameters: { resource: apis.ordersPart('plain') } })
        .catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(TokenConfigError);
      expect((error as TokenConfigError).problems[0]).toMatchObject({
        field: 'tokenParameters',
        message: expect.stringContaining('tokensFor'),
      });
      expect(orders.requestsTo('/plain/1')).toHaveLength(0);
    } finally {
      detach();
    }
  });
});
