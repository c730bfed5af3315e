import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import axios, { type AxiosAdapter, type InternalAxiosRequestConfig } from 'axios';
import { setTimeout as sleep } from 'node:timers/promises';
import { attachTokenInterceptor } from '../lib/index.js';
import { startHttpApp, type HttpApp } from './support/http-app.js';
import { jwtVerifier, ProtectedResource } from './support/protected-resource.js';
import { TestIdp } from './support/test-idp.js';

const CLIENT = { clientId: 'test-client', clientSecret: 'test-secret-value-1234' };

/** An adapter that records the Authorization header each request leaves with, and answers 200. */
function recordingAdapter(sent: Array<string | undefined>): AxiosAdapter {
  return async (config: InternalAxiosRequestConfig) => {
    sent.push(config.headers.get('Authorization') as string | undefined);
    return { data: { ok: true }, status: 200, statusText: 'OK', headers: {}, config };
  };
}

describe('the interceptor fast path: a fresh cached token is attached without a promise hop', () => {
  let idp: TestIdp;
  let api: ProtectedResource;
  let foreign: ProtectedResource;
  let app: HttpApp;

  beforeAll(async () => {
    idp = await TestIdp.start();
    api = await ProtectedResource.start(jwtVerifier(idp));
    foreign = await ProtectedResource.start('public');
    app = await startHttpApp({ tokenUrl: idp.tokenUrl, ...CLIENT, http: { baseURL: api.url } });
  });
  afterAll(async () => {
    await app.close();
    await Promise.all([api.stop(), foreign.stop()]);
    await idp.stop();
  });
  beforeEach(() => {
    api.requests.length = 0;
    foreign.requests.length = 0;
  });

  it('with a fresh token, the request reaches the adapter in the same tick; without one, after the token arrives', async () => {
    const sent: Array<string | undefined> = [];
    const instance = axios.create({ baseURL: api.url, adapter: recordingAdapter(sent) });
    attachTokenInterceptor(instance, app.manager);

    app.manager.invalidate();
    const cold = instance.get('/cold');
    expect(sent).toEqual([]);
    await cold;
    const token = await app.manager.getAccessToken();
    expect(sent).toEqual([`Bearer ${token}`]);

    const warm = instance.get('/warm');
    expect(sent).toEqual([`Bearer ${token}`, `Bearer ${token}`]);
    await warm;
  });

  it("a caller's interceptor that moves the request to a foreign origin after the token lookup never sends it the token", async () => {
    await app.manager.getAccessToken();
    const instance = axios.create({ baseURL: api.url });
    attachTokenInterceptor(instance, app.manager);
    // axios runs interceptors attached later first: these see the request before ours does.
    instance.interceptors.request.use(
      (config) => {
        if (config.url === '/move-sync') config.url = `${foreign.url}/moved-sync`;
        return config;
      },
      undefined,
      { synchronous: true },
    );
    instance.interceptors.request.use(async (config) => {
      await sleep(1);
      if (config.url === '/move-async') config.url = `${foreign.url}/moved-async`;
      return config;
    });

    await instance.get('/move-sync');
    await instance.get('/move-async');
    await instance.get('/stays');
    expect(foreign.requestsTo('/moved-sync')).toHaveLength(1);
    expect(foreign.requestsTo('/moved-async')).toHaveLength(1);
    expect(foreign.requestsTo('/moved-sync')[0]?.authorization).toBeUndefined();
    expect(foreign.requestsTo('/moved-async')[0]?.authorization).toBeUndefined();
    expect(api.requestsTo('/stays')[0]?.authorization).toBe(`Bearer ${await app.manager.getAccessToken()}`);
  });

  it("with an asynchronous interceptor of the caller's interleaving 200 requests, each allowed one carries the token and no foreign one does", async () => {
    const token = await app.manager.getAccessToken();
    const instance = axios.create({ baseURL: api.url });
    attachTokenInterceptor(instance, app.manager);
    let delay = 0;
    instance.interceptors.request.use(async (config) => {
      delay = (delay + 3) % 7;
      await sleep(delay);
      return config;
    });

    const calls = Array.from({ length: 200 }, (_, index) =>
      index % 2 === 0 ? instance.get(`/interleaved/${index}`) : instance.get(`${foreign.url}/interleaved/${index}`),
    );
    await Promise.all(calls);

    const allowed = api.requests.filter((request) => request.path.startsWith('/interleaved/'));
    const elsewhere = foreign.requests.filter((request) => request.path.startsWith('/interleaved/'));
    expect(allowed).toHaveLength(100);
    expect(elsewhere).toHaveLength(100);
    expect(allowed.every((request) => request.authorization === `Bearer ${token}`)).toBe(true);
    expect(elsewhere.filter((request) => request.authorization !== undefined)).toEqual([]);
  });
});
