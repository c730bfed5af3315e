import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import axios, { type AxiosError, type AxiosInstance } from 'axios';
import { Agent } from 'node:https';
import { attachTokenInterceptor } from '../lib/index.js';
import { type HttpApp, type RevocableApiScene, startHttpApp, startRevocableApiScene } from './support/http-app.js';
import { jwtVerifier, ProtectedResource, TEST_TLS_CERT } from './support/protected-resource.js';
import { TestIdp } from './support/test-idp.js';

const CLIENT = { clientId: 'test-client', clientSecret: 'test-secret-value-1234' };
const httpsAgent = new Agent({ ca: TEST_TLS_CERT, keepAlive: false });
/** Resolves every host name to 127.0.0.1, so a test can use real host names (api.test, evil.api.test). */
const lookupLoopback = async () => ({ address: '127.0.0.1', family: 4 });

describe('Bearer injection: the token goes only to allowed origins', () => {
  let idp: TestIdp;
  let api: ProtectedResource;
  let partnerApi: ProtectedResource;
  let foreign: ProtectedResource;
  let app: HttpApp;

  beforeAll(async () => {
    idp = await TestIdp.start();
    api = await ProtectedResource.start(jwtVerifier(idp));
    partnerApi = await ProtectedResource.start(jwtVerifier(idp));
    foreign = await ProtectedResource.start('public');
    app = await startHttpApp({
      tokenUrl: idp.tokenUrl,
      ...CLIENT,
      http: { baseURL: `${api.url}/v1`, allowedOrigins: [partnerApi.url], httpsAgent },
    });
  });
  afterAll(async () => {
    await app.close();
    await Promise.all([api.stop(), partnerApi.stop(), foreign.stop()]);
    await idp.stop();
    httpsAgent.destroy();
  });
  beforeEach(() => {
    for (const server of [api, partnerApi, foreign]) {
      server.requests.length = 0;
      server.redirects.clear();
    }
  });

  it('a relative URL resolves against baseURL and carries a token the API verifies against the IdP JWKS', async () => {
    const response = await app.send({ url: '/invoices' });
    expect(response.status).toBe(200);
    expect(response.data.path).toBe('/v1/invoices');
    const [seen] = api.requestsTo('/v1/invoices');
    expect(seen?.authorization).toMatch(/^Bearer eyJ/);
    expect(seen?.authorization).toBe(`Bearer ${await app.manager.getAccessToken()}`);
  });

  it('an absolute URL to an origin in allowedOrigins carries the token', async () => {
    const response = await app.send({ url: `${partnerApi.url}/partners/1` });
    expect(response.status).toBe(200);
    expect(partnerApi.requestsTo('/partners/1')[0]?.authorization).toMatch(/^Bearer eyJ/);
  });

  it('an absolute URL to a foreign origin goes out without the token', async () => {
    const response = await app.send({ url: `http://other.test:${foreign.port}/collect`, lookup: lookupLoopback } as never);
    expect(response.status).toBe(200);
    const [seen] = foreign.requestsTo('/collect');
    expect(seen?.host).toBe(`other.test:${foreign.port}`);
    expect(seen?.authorization).toBeUndefined();
  });

  it('the allowed host on another port is a foreign origin', async () => {
    expect(new URL(foreign.url).hostname).toBe(new URL(api.url).hostname);
    await app.send({ url: `${foreign.url}/same-host-other-port` });
    const [seen] = foreign.requestsTo('/same-host-other-port');
    expect(seen).toBeDefined();
    expect(seen?.authorization).toBeUndefined();
  });

  it('the allowed host and port over another scheme is a foreign origin, in both directions', async () => {
    // The module allows http://127.0.0.1:<api>; the same server over https gets no token (and answers 401).
    const overTls = await app.send({ url: `${api.httpsUrl}/v1/over-tls` }).catch((error: AxiosError) => error);
    expect((overTls as AxiosError).response?.status).toBe(401);
    expect(api.requestsTo('/v1/over-tls')).toEqual([expect.objectContaining({ scheme: 'https' })]);
    expect(api.requestsTo('/v1/over-tls')[0]?.authorization).toBeUndefined();

    // An instance that allows https://127.0.0.1:<api> never sends the token over plain http.
    const instance = axios.create({ baseURL: api.httpsUrl, httpsAgent });
    attachTokenInterceptor(instance, app.manager);
    await expect(instance.get('/v1/tls-only')).resolves.toMatchObject({ status: 200 });
    const downgrade = await instance.get(`${api.url}/v1/cleartext`).catch((error: AxiosError) => error);
    expect((downgrade as AxiosError).response?.status).toBe(401);
    expect(api.requestsTo('/v1/tls-only')[0]).toMatchObject({ scheme: 'https', authorization: expect.stringMatching(/^Bearer /) });
    expect(api.requestsTo('/v1/cleartext')).toHaveLength(1);
    expect(api.requestsTo('/v1/cleartext')[0]).toMatchObject({ scheme: 'http' });
    expect(api.requestsTo('/v1/cleartext')[0]?.authorization).toBeUndefined();
  });

  it('a protocol-relative URL or a URL that only looks like the base never gets the token', async () => {
    const trick = `http://127.0.0.1:${api.port}@127.0.0.1:${foreign.port}/userinfo-trick`;
    await app.send({ url: trick });
    const [tricked] = foreign.requestsTo('/userinfo-trick');
    expect(tricked).toBeDefined();
    // axios turns the userinfo into Basic credentials; our Bearer token stays home.
    expect(tricked?.authorization ?? '').not.toMatch(/Bearer/);
    await expect(app.send({ url: `//127.0.0.1:${foreign.port}/protocol-relative` })).rejects.toBeDefined();
    expect(foreign.requestsTo('/protocol-relative')).toEqual([]);
  });

  it('a request that brings its own Authorization header is left alone and never retried', async () => {
    const tokenRequestsBefore = idp.tokenRequests;
    const error = (await app
      .send({ url: '/own-header', headers: { Authorization: 'Bearer caller-supplied' } })
      .catch((e: unknown) => e)) as AxiosError;
    expect(error.response?.status).toBe(401);
    expect(api.requestsTo('/v1/own-header').map((request) => request.authorization)).toEqual(['Bearer caller-supplied']);
    expect(idp.tokenRequests).toBe(tokenRequestsBefore);
  });

  it('a request with axios basic auth keeps its Basic credentials and gets no token', async () => {
    const tokenRequestsBefore = idp.tokenRequests;
    const error = (await app.send({ url: '/basic', auth: { username: 'user', password: 'pass' } }).catch((e: unknown) => e)) as AxiosError;
    expect(error.response?.status).toBe(401);
    expect(api.requestsTo('/v1/basic').map((request) => request.authorization)).toEqual([
      `Basic ${Buffer.from('user:pass').toString('base64')}`,
    ]);
    expect(idp.tokenRequests).toBe(tokenRequestsBefore);
  });

  it('allowedOrigins ["*"] sends the token to any origin (the documented unsafe opt-out)', async () => {
    const instance = axios.create();
    attachTokenInterceptor(instance, app.manager, { allowedOrigins: ['*'] });
    await instance.get(`${foreign.url}/anywhere`);
    expect(foreign.requestsTo('/anywhere')[0]?.authorization).toMatch(/^Bearer eyJ/);
  });

  describe('redirects', () => {
    it('a 302 to a second server does not carry the token there', async () => {
      api.redirects.set('/v1/moved', { status: 302, location: `${foreign.url}/landing-302` });
      const response = await app.send({ url: '/moved' });
      expect(response.status).toBe(200);
      expect(api.requestsTo('/v1/moved')[0]?.authorization).toMatch(/^Bearer /);
      expect(foreign.requestsTo('/landing-302')).toHaveLength(1);
      expect(foreign.requestsTo('/landing-302')[0]?.authorization).toBeUndefined();
    });

    it('a 307 to a second server replays the body there without the token', async () => {
      api.redirects.set('/v1/upload', { status: 307, location: `${foreign.url}/landing-307` });
      const response = await app.send({ method: 'POST', url: '/upload', data: { invoice: 42 } });
      expect(response.status).toBe(200);
      const [landed] = foreign.requestsTo('/landing-307');
      expect(landed).toMatchObject({ method: 'POST', body: '{"invoice":42}' });
      expect(landed?.authorization).toBeUndefined();
    });

    it('a redirect to a subdomain of the allowed host (which follow-redirects alone would trust) does not carry the token', async () => {
      const instance = axios.create({ baseURL: `http://api.test:${api.port}`, lookup: lookupLoopback } as never);
      attachTokenInterceptor(instance, app.manager);
      api.redirects.set('/to-subdomain', { status: 302, location: `http://evil.api.test:${api.port}/sub-landing` });
      const tokenRequestsBefore = idp.tokenRequests;
      const error = (await instance.get('/to-subdomain').catch((e: unknown) => e)) as AxiosError;
      expect(error.response?.status).toBe(401);
      expect(api.requestsTo('/to-subdomain')[0]).toMatchObject({
        host: `api.test:${api.port}`,
        authorization: expect.stringMatching(/^Bearer /),
      });
      expect(api.requestsTo('/sub-landing')).toHaveLength(1);
      expect(api.requestsTo('/sub-landing')[0]?.host).toBe(`evil.api.test:${api.port}`);
      expect(api.requestsTo('/sub-landing')[0]?.authorization).toBeUndefined();
      // A 401 from outside the allowlist says nothing about our token: no invalidation, no resend.
      expect(idp.tokenRequests).toBe(tokenRequestsBefore);
    });

    it('an https to http redirect on the same host and port does not carry the token', async () => {
      const instance = axios.create({ baseURL: api.httpsUrl, httpsAgent });
      attachTokenInterceptor(instance, app.manager);
      api.redirects.set('/downgrade', { status: 302, location: `${api.url}/downgraded` });
      await instance.get('/downgrade').catch(() => undefined);
      expect(api.requestsTo('/downgrade')[0]).toMatchObject({ scheme: 'https', authorization: expect.stringMatching(/^Bearer /) });
      expect(api.requestsTo('/downgraded')).toEqual([expect.objectContaining({ scheme: 'http' })]);
      expect(api.requestsTo('/downgraded')[0]?.authorization).toBeUndefined();
    });

    it('a redirect back to an allowed origin after a hop outside the allowlist does not get the token back', async () => {
      api.redirects.set('/v1/out-and-back', { status: 302, location: `${foreign.url}/bounce` });
      foreign.redirects.set('/bounce', { status: 302, location: `${api.url}/v1/back-home` });
      const tokenRequests = idp.tokenRequests;
      const failure = (await app.send({ url: '/out-and-back' }).catch((e: unknown) => e)) as AxiosError;
      // The API refuses the request that came back without the token; that 401 renews nothing.
      expect(failure.response?.status).toBe(401);
      expect(idp.tokenRequests).toBe(tokenRequests);
      expect(api.requestsTo('/v1/out-and-back')[0]?.authorization).toMatch(/^Bearer /);
      expect(foreign.requestsTo('/bounce')).toHaveLength(1);
      expect(foreign.requestsTo('/bounce')[0]?.authorization).toBeUndefined();
      expect(api.requestsTo('/v1/back-home')).toHaveLength(1);
      expect(api.requestsTo('/v1/back-home')[0]?.authorization).toBeUndefined();
    });

    it('a redirect within the allowed origin, or to another allowed origin, keeps the token', async () => {
      api.redirects.set('/v1/old', { status: 307, location: `${api.url}/v1/new` });
      api.redirects.set('/v1/to-partner', { status: 302, location: `${partnerApi.url}/partner-landing` });
      await expect(app.send({ url: '/old' })).resolves.toMatchObject({ status: 200, data: { path: '/v1/new' } });
      await expect(app.send({ url: '/to-partner' })).resolves.toMatchObject({ status: 200, data: { path: '/partner-landing' } });
      const token = `Bearer ${await app.manager.getAccessToken()}`;
      expect(api.requestsTo('/v1/new')[0]?.authorization).toBe(token);
      expect(partnerApi.requestsTo('/partner-landing')[0]?.authorization).toBe(token);
    });
  });
});

describe('attachTokenInterceptor on your own axios instance', () => {
  let idp: TestIdp;
  let api: ProtectedResource;
  let app: HttpApp;
  let instance: AxiosInstance;

  beforeAll(async () => {
    idp = await TestIdp.start();
    api = await ProtectedResource.start(jwtVerifier(idp));
    app = await startHttpApp({ tokenUrl: idp.tokenUrl, ...CLIENT, http: { baseURL: api.url } });
  });
  afterAll(async () => {
    await app.close();
    await api.stop();
    await idp.stop();
  });
  beforeEach(() => {
    instance = axios.create({ baseURL: api.url });
    api.requests.length = 0;
  });
  afterEach(() => {
    api.redirects.clear();
  });

  it('authorizes the instance, and attaching twice has no extra effect: one detach removes it', async () => {
    const detach = attachTokenInterceptor(instance, app.manager);
    expect(attachTokenInterceptor(instance, app.manager)).toBe(detach);
    await expect(instance.get('/with-token')).resolves.toMatchObject({ status: 200 });
    expect(api.requestsTo('/with-token')[0]?.authorization).toMatch(/^Bearer eyJ[^,]+$/);

    const adapter = instance.defaults.adapter;
    detach();
    // The adapter the instance had is back: nothing of ours is left on it.
    expect(instance.defaults.adapter).not.toBe(adapter);
    expect(instance.defaults.adapter).toEqual(axios.create().defaults.adapter);
    const error = (await instance.get('/after-detach').catch((e: unknown) => e)) as AxiosError;
    expect(error.response?.status).toBe(401);
    expect(api.requestsTo('/after-detach')[0]?.authorization).toBeUndefined();
    // After a detach the instance can be attached again.
    attachTokenInterceptor(instance, app.manager);
    await expect(instance.get('/reattached')).resolves.toMatchObject({ status: 200 });
  });

  it('fails with TokenConfigError when the instance has no absolute baseURL and no allowedOrigins are given', () => {
    expect(() => attachTokenInterceptor(axios.create(), app.manager)).toThrow(
      expect.objectContaining({ name: 'TokenConfigError', problems: [expect.objectContaining({ field: 'allowedOrigins' })] }),
    );
    expect(() => attachTokenInterceptor(axios.create(), app.manager, { allowedOrigins: ['https://api.example.com/v1'] })).toThrow(
      expect.objectContaining({ problems: [expect.objectContaining({ field: 'allowedOrigins[0]' })] }),
    );
  });

  it('never touches the process-global axios', async () => {
    await app.send({ url: '/through-module' });
    const error = (await axios.get(`${api.url}/through-global-axios`).catch((e: unknown) => e)) as AxiosError;
    expect(error.response?.status).toBe(401);
    expect(api.requestsTo('/through-module')[0]?.authorization).toMatch(/^Bearer /);
    expect(api.requestsTo('/through-global-axios')[0]?.authorization).toBeUndefined();
  });
});

describe("with axios's fetch adapter, which follows redirects without beforeRedirect", () => {
  let scene: RevocableApiScene;
  let instance: AxiosInstance;

  beforeAll(async () => {
    scene = await startRevocableApiScene(CLIENT);
    instance = axios.create({ baseURL: scene.api.url, adapter: 'fetch' });
    attachTokenInterceptor(instance, scene.app.manager);
  });
  afterAll(async () => {
    await scene.stop();
  });

  it.each(['the instance', 'the request'])(
    'set on %s, a 401 from a redirect target outside the allowlist renews nothing: three calls, no token request',
    async (where) => {
      const { idp, api, foreign, app } = scene;
      const send = (url: string) => (where === 'the instance' ? instance.get(url) : app.http.axiosRef.get(url, { adapter: 'fetch' }));
      api.redirects.set('/to-foreign', { status: 302, location: `${foreign.url}/foreign-landing` });
      api.requests.length = 0;
      foreign.requests.length = 0;
      await app.manager.getAccessToken();
      const tokenRequests = idp.tokenRequests;

      for (let call = 0; call < 3; call += 1) {
        const failure = (await send('/to-foreign').catch((error: unknown) => error)) as AxiosError;
        expect(failure.response?.status).toBe(401);
      }

      expect(idp.tokenRequests).toBe(tokenRequests);
      expect(api.requestsTo('/to-foreign')).toHaveLength(3);
      expect(api.requestsTo('/to-foreign').every((request) => request.authorization?.startsWith('Bearer '))).toBe(true);
      expect(foreign.requestsTo('/foreign-landing')).toHaveLength(3);
      expect(foreign.requestsTo('/foreign-landing').filter((request) => request.authorization !== undefined)).toEqual([]);
    },
  );

  it('a 401 from the allowed origin itself still renews the token and resends the request once', async () => {
    const { idp, api, refused, app } = scene;
    const revoked = await app.manager.getAccessToken();
    refused.add(revoked);
    const tokenRequests = idp.tokenRequests;

    await expect(instance.get('/direct')).resolves.toMatchObject({ status: 200 });

    const renewed = await app.manager.getAccessToken();
    expect(api.requestsTo('/direct').map((request) => request.authorization)).toEqual([`Bearer ${revoked}`, `Bearer ${renewed}`]);
    expect(idp.tokenRequests).toBe(tokenRequests + 1);
  });
});
