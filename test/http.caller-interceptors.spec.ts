import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import axios, { type AxiosError, type AxiosInstance, type InternalAxiosRequestConfig } from 'axios';
import { setTimeout as sleep } from 'node:timers/promises';
import { attachTokenInterceptor } from '../lib/index.js';
import { type HttpApp, type RevocableApiScene, startRevocableApiScene } from './support/http-app.js';
import type { ProtectedResource } from './support/protected-resource.js';
import type { TestIdp } from './support/test-idp.js';

const CLIENT = { clientId: 'test-client', clientSecret: 'test-secret-value-1234' };

type Rewrite = (config: InternalAxiosRequestConfig) => InternalAxiosRequestConfig;
type Registration = 'before ours' | 'after ours';
type Kind = 'synchronous' | 'asynchronous';

/**
 * An instance of your own carrying the token interceptor and one interceptor of the caller's,
 * registered before or after ours. axios runs request interceptors in reverse order of registration:
 * one registered before ours sees the request after ours has authorized it.
 */
function instanceWith(app: HttpApp, baseURL: string, rewrite: Rewrite, registration: Registration, kind: Kind): AxiosInstance {
  const instance = axios.create({ baseURL });
  const register = () => {
    if (kind === 'synchronous') instance.interceptors.request.use(rewrite, undefined, { synchronous: true });
    else
      instance.interceptors.request.use(async (config) => {
        await sleep(1);
        return rewrite(config);
      });
  };
  if (registration === 'before ours') register();
  attachTokenInterceptor(instance, app.manager);
  if (registration === 'after ours') register();
  return instance;
}

const placements: Array<[Registration, Kind]> = [
  ['before ours', 'synchronous'],
  ['before ours', 'asynchronous'],
  ['after ours', 'synchronous'],
  ['after ours', 'asynchronous'],
];

describe("the caller's own interceptors and configs never misdirect, drop or stale the token", () => {
  let scene: RevocableApiScene;
  let idp: TestIdp;
  let api: ProtectedResource;
  let foreign: ProtectedResource;
  let app: HttpApp;
  let refused: Set<string>;

  beforeAll(async () => {
    scene = await startRevocableApiScene(CLIENT);
    ({ idp, api, foreign, app, refused } = scene);
  });
  afterAll(async () => {
    await scene.stop();
  });
  beforeEach(async () => {
    api.requests.length = 0;
    foreign.requests.length = 0;
    await app.manager.getAccessToken();
  });

  describe('an interceptor that moves the request to a foreign origin: the foreign server never sees the token and its 401 renews nothing', () => {
    it.each(placements)('registered %s, %s, rewriting url or baseURL', async (registration, kind) => {
      const toForeignUrl: Rewrite = (config) => {
        if (config.url === '/by-url') config.url = `${foreign.url}/moved-by-url`;
        return config;
      };
      const toForeignBase: Rewrite = (config) => {
        if (config.url === '/by-base') config.baseURL = foreign.url;
        return config;
      };
      const tokenRequests = idp.tokenRequests;

      for (const [rewrite, path, landing] of [
        [toForeignUrl, '/by-url', '/moved-by-url'],
        [toForeignBase, '/by-base', '/by-base'],
      ] as const) {
        const instance = instanceWith(app, api.url, rewrite, registration, kind);
        const failure = (await instance.get(path).catch((error: unknown) => error)) as AxiosError;
        expect(failure.response?.status).toBe(401);
        expect(foreign.requestsTo(landing)).toHaveLength(1);
        expect(foreign.requestsTo(landing)[0]?.authorization).toBeUndefined();
      }
      expect(api.requests).toEqual([]);
      expect(idp.tokenRequests).toBe(tokenRequests);
    });
  });

  it.each(placements.filter(([registration]) => registration === 'before ours'))(
    'an interceptor registered %s (%s) that sets its own Authorization: the request goes with it, and its 401 renews nothing',
    async (registration, kind) => {
      const instance = instanceWith(
        app,
        api.url,
        (config) => (config.headers.set('Authorization', 'Bearer caller-supplied'), config),
        registration,
        kind,
      );
      const tokenRequests = idp.tokenRequests;

      const failure = (await instance.get('/own-after-ours').catch((error: unknown) => error)) as AxiosError;

      expect(failure.response?.status).toBe(401);
      expect(api.requestsTo('/own-after-ours').map((request) => request.authorization)).toEqual(['Bearer caller-supplied']);
      expect(idp.tokenRequests).toBe(tokenRequests);
    },
  );

  describe('an interceptor that returns a new config object: every request carries the token, and a 401 is still renewed and resent once', () => {
    it.each(placements)('registered %s, %s', async (registration, kind) => {
      const instance = instanceWith(app, api.url, (config) => ({ ...config }), registration, kind);

      const statuses = [];
      for (let call = 0; call < 3; call += 1) statuses.push((await instance.get(`/copied/${call}`)).status);
      expect(statuses).toEqual([200, 200, 200]);
      const token = await app.manager.getAccessToken();
      for (let call = 0; call < 3; call += 1)
        expect(api.requestsTo(`/copied/${call}`).map((request) => request.authorization)).toEqual([`Bearer ${token}`]);

      refused.add(token);
      const tokenRequests = idp.tokenRequests;
      await expect(instance.get('/copied/after-revocation')).resolves.toMatchObject({ status: 200 });
      const renewed = await app.manager.getAccessToken();
      expect(renewed).not.toBe(token);
      expect(api.requestsTo('/copied/after-revocation').map((request) => request.authorization)).toEqual([
        `Bearer ${token}`,
        `Bearer ${renewed}`,
      ]);
      expect(idp.tokenRequests).toBe(tokenRequests + 1);
    });
  });

  describe("re-sending a response's config", () => {
    it('after the token changed, it goes with the current token', async () => {
      const first = await app.send({ url: '/again' });
      const stale = await app.manager.getAccessToken();
      app.manager.invalidate();
      const current = await app.manager.getAccessToken();
      expect(current).not.toBe(stale);

      await expect(app.send(first.config)).resolves.toMatchObject({ status: 200 });
      await expect(app.http.axiosRef.request(first.config)).resolves.toMatchObject({ status: 200 });
      expect(api.requestsTo('/again').map((request) => request.authorization)).toEqual([
        `Bearer ${stale}`,
        `Bearer ${current}`,
        `Bearer ${current}`,
      ]);
    });

    it('with the token still cached but revoked, its 401 renews the token and the request is resent once', async () => {
      const first = await app.send({ url: '/again-revoked' });
      const revoked = await app.manager.getAccessToken();
      refused.add(revoked);
      const tokenRequests = idp.tokenRequests;

      await expect(app.send(first.config)).resolves.toMatchObject({ status: 200 });
      const renewed = await app.manager.getAccessToken();
      expect(api.requestsTo('/again-revoked').map((request) => request.authorization)).toEqual([
        `Bearer ${revoked}`,
        `Bearer ${revoked}`,
        `Bearer ${renewed}`,
      ]);
      expect(idp.tokenRequests).toBe(tokenRequests + 1);
    });

    it('of a resent request, after the token changed again, it goes with the current token', async () => {
      refused.add(await app.manager.getAccessToken());
      const resent = await app.send({ url: '/resent-then-again' });
      const renewed = await app.manager.getAccessToken();
      app.manager.invalidate();
      const current = await app.manager.getAccessToken();

      await expect(app.send(resent.config)).resolves.toMatchObject({ status: 200 });
      expect(
        api
          .requestsTo('/resent-then-again')
          .map((request) => request.authorization)
          .slice(1),
      ).toEqual([`Bearer ${renewed}`, `Bearer ${current}`]);
    });

    it("whose Authorization the caller replaced, it keeps the caller's header", async () => {
      const first = await app.send({ url: '/replaced' });
      first.config.headers.set('Authorization', 'Bearer caller-supplied');

      const failure = (await app.send(first.config).catch((error: unknown) => error)) as AxiosError;
      expect(failure.response?.status).toBe(401);
      expect(
        api
          .requestsTo('/replaced')
          .map((request) => request.authorization)
          .slice(1),
      ).toEqual(['Bearer caller-supplied']);
    });
  });
});
