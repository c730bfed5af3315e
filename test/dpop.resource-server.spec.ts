import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import axios, { type AxiosError, type AxiosInstance } from 'axios';
import { decodeJwt } from 'jose';
import { attachDpopInterceptor, DpopService, TokenConfigError } from '../lib/index.js';
import { DpopResourceServer } from './support/dpop-resource-server.js';
import { TestIdp } from './support/test-idp.js';
import { startTokenApp, type TokenApp } from './support/token-app.js';

const CLIENT = { clientId: 'dpop-client', clientSecret: 'dpop-secret-value-1234' };

/** An axios instance that sends exactly what it is given: how an attacker replays captured headers. */
const raw = () => axios.create({ validateStatus: () => true });

describe('DPoP-protected API calls through attachDpopInterceptor', () => {
  let idp: TestIdp;
  let api: DpopResourceServer;
  let app: TokenApp;
  let http: AxiosInstance;
  let detach: () => void;

  beforeAll(async () => {
    idp = await TestIdp.start({ clients: [{ ...CLIENT, dpopBound: true }], dpop: {} });
  });
  beforeEach(async () => {
    api = await DpopResourceServer.start(idp);
    app = await startTokenApp({ tokenUrl: idp.tokenUrl, ...CLIENT, dpop: true });
    http = axios.create({ baseURL: api.baseUrl });
    detach = attachDpopInterceptor(http, app.manager, app.moduleRef.get(DpopService));
    idp.tokenRequests = 0;
  });
  afterEach(async () => {
    detach();
    await app.close();
    await api.stop();
  });
  afterAll(async () => {
    await idp.stop();
  });

  it('200 concurrent calls all succeed with exactly one token request, each with its own verified proof', async () => {
    idp.delayMs = 30;
    const responses = await Promise.all(Array.from({ length: 200 }, (_, i) => http.get<{ ok: boolean; path: string }>(`/orders/${i}`)));
    idp.delayMs = 0;
    expect(responses.every((response) => response.status === 200 && response.data.ok)).toBe(true);
    expect(idp.tokenRequests).toBe(1);
    expect(api.accepted).toBe(200);
    // Every first attempt met the first-contact nonce demand; each was resent exactly once.
    expect(api.nonceChallenges).toBe(200);
    expect(api.captured).toHaveLength(400);
    expect(api.rejections.every((reason) => reason.startsWith('use_dpop_nonce'))).toBe(true);
    expect(new Set(api.captured.map((request) => decodeJwt(request.dpop!).jti)).size).toBe(400);
  });

  it('the first call is challenged for a nonce once; later calls carry the nonce and are not challenged', async () => {
    await http.get('/orders');
    expect(api.nonceChallenges).toBe(1);
    for (let i = 0; i < 5; i += 1) await http.post('/orders', { item: i });
    expect(api.nonceChallenges).toBe(1);
    expect(api.accepted).toBe(6);
    expect(api.captured.slice(1).every((request) => decodeJwt(request.dpop!).nonce === api.nonce)).toBe(true);
  });

  it('a nonce rotated through the DPoP-Nonce header of a success answer is used by the next call without a challenge', async () => {
    await http.get('/orders');
    const before = api.nonce;
    api.rotateNonceOnNextSuccess = true;
    await http.get('/orders');
    expect(api.nonce).not.toBe(before);
    await http.get('/orders');
    expect(api.nonceChallenges).toBe(1);
    expect(decodeJwt(api.captured.at(-1)!.dpop!).nonce).toBe(api.nonce);
  });

  it('a server demanding a new nonce on every attempt gets one resend, then the 401 reaches the caller', async () => {
    api.alwaysDemandNonce = true;
    const failure = (await http.get('/orders').catch((error: unknown) => error)) as AxiosError;
    expect(failure.response?.status).toBe(401);
    expect(String(failure.response?.headers['www-authenticate'])).toMatch(/use_dpop_nonce/);
    expect(api.captured).toHaveLength(2);
    expect(idp.tokenRequests).toBe(1);
  });

  it('the proof names the exact method and URL after baseURL resolution, without the query, and hashes the token', async () => {
    const token = await app.manager.getAccessToken();
    await http.delete('/orders/7?force=true', { params: { reason: 'dup' } });
    const sent = api.captured.at(-1)!;
    expect(sent.path).toBe('/orders/7?force=true&reason=dup');
    expect(sent.authorization).toBe(`DPoP ${token}`);
    const claims = decodeJwt(sent.dpop!);
    expect(claims).toMatchObject({ htm: 'DELETE', htu: `${api.baseUrl}/orders/7` });
    const { createHash } = await import('node:crypto');
    expect(claims.ath).toBe(createHash('sha256').update(token).digest('base64url'));
    expect(api.accepted).toBe(1);
  });

  it('replaying a captured proof is rejected, even with the current nonce', async () => {
    await http.get('/orders');
    await http.get('/orders');
    const captured = api.captured.at(-1)!;
    const replay = await raw().get(`${api.baseUrl}/orders`, { headers: { Authorization: captured.authorization!, DPoP: captured.dpop! } });
    expect(replay.status).toBe(401);
    expect(api.rejections.at(-1)).toBe('invalid_dpop_proof: jti reused (replayed proof)');
  });

  it('the token sent as Bearer is rejected, with or without a proof', async () => {
    await http.get('/orders');
    const captured = api.captured.at(-1)!;
    const token = captured.authorization!.replace(/^DPoP /, '');
    const bare = await raw().get(`${api.baseUrl}/orders`, { headers: { Authorization: `Bearer ${token}` } });
    const withProof = await raw().get(`${api.baseUrl}/orders`, { headers: { Authorization: `Bearer ${token}`, DPoP: captured.dpop! } });
    expect([bare.status, withProof.status]).toEqual([401, 401]);
    expect(api.rejections.slice(-2)).toEqual(['invalid_token: scheme "Bearer" is not DPoP', 'invalid_token: scheme "Bearer" is not DPoP']);
  });

  it('a stolen token is useless with a proof from another key, and a proof for another request is rejected', async () => {
    await http.get('/orders');
    const token = api.captured.at(-1)!.authorization!.replace(/^DPoP /, '');
    const thief = await startTokenApp({ tokenUrl: idp.tokenUrl, ...CLIENT, dpop: true });
    try {
      const thiefDpop = thief.moduleRef.get(DpopService);
      thiefDpop.rememberNonce(api.baseUrl, api.nonce);
      const stolen = await raw().get(`${api.baseUrl}/orders`, {
        headers: await thiefDpop.resourceRequestHeaders('GET', `${api.baseUrl}/orders`, token),
      });
      expect(stolen.status).toBe(401);
      expect(api.rejections.at(-1)).toBe('invalid_token: cnf.jkt does not match the proof key');
    } finally {
      await thief.close();
    }
    const dpop = app.moduleRef.get(DpopService);
    const forGet = await dpop.resourceRequestHeaders('GET', `${api.baseUrl}/orders`, token);
    const asPost = await raw().post(`${api.baseUrl}/orders`, {}, { headers: { ...forGet } });
    const otherPath = await raw().get(`${api.baseUrl}/admin`, {
      headers: { ...(await dpop.resourceRequestHeaders('GET', `${api.baseUrl}/orders`, token)) },
    });
    expect([asPost.status, otherPath.status]).toEqual([401, 401]);
    expect(api.rejections.slice(-2)).toEqual(['invalid_dpop_proof: htm mismatch', 'invalid_dpop_proof: htu mismatch']);
  });

  it('requests to an origin outside the allowlist carry neither the token nor a proof', async () => {
    const elsewhere = await DpopResourceServer.start(idp);
    try {
      const answer = await http.get(`${elsewhere.baseUrl}/collect`, { validateStatus: () => true });
      expect(answer.status).toBe(401);
      expect(elsewhere.captured).toEqual([{ method: 'GET', path: '/collect' }]);
      expect(api.captured).toHaveLength(0);
      expect(idp.tokenRequests).toBe(0);
    } finally {
      await elsewhere.stop();
    }
  });

  it('nonces are remembered per origin: a second API is challenged on first contact and never sees the first API nonce', async () => {
    const second = await DpopResourceServer.start(idp);
    const both = axios.create();
    const detachBoth = attachDpopInterceptor(both, app.manager, app.moduleRef.get(DpopService), {
      allowedOrigins: [api.baseUrl, second.baseUrl],
    });
    try {
      await both.get(`${api.baseUrl}/orders`);
      await both.get(`${second.baseUrl}/orders`);
      await both.get(`${api.baseUrl}/orders`);
      await both.get(`${second.baseUrl}/orders`);
      expect([api.nonceChallenges, second.nonceChallenges]).toEqual([1, 1]);
      expect([api.accepted, second.accepted]).toEqual([2, 2]);
      expect(second.captured.map((request) => decodeJwt(request.dpop!).nonce)).toEqual([undefined, second.nonce, second.nonce]);
    } finally {
      detachBoth();
      await second.stop();
    }
  });

  it('a DPoP-Nonce that is not a valid nonce (quotes, spaces, control characters) is ignored', async () => {
    const dpop = app.moduleRef.get(DpopService);
    for (const bad of ['a"b', 'a b', 'a\\b', '', 'x\r\ny', 42]) expect(dpop.rememberNonce(api.baseUrl, bad)).toBe(false);
    expect(dpop.rememberNonce(api.baseUrl, 'good-nonce_1.~')).toBe(true);
    expect(decodeJwt(await dpop.proofFor('GET', `${api.baseUrl}/x`)).nonce).toBe('good-nonce_1.~');
  });

  it('attaching without an allowlist or baseURL, with DPoP off, or to the global axios fails with TokenConfigError', async () => {
    const plain = await startTokenApp({ tokenUrl: idp.tokenUrl, clientId: 'test-client', clientSecret: 'test-secret-value-1234' });
    try {
      expect(() => attachDpopInterceptor(axios.create(), app.manager, app.moduleRef.get(DpopService))).toThrow(
        /allowedOrigins: is required/,
      );
      expect(() =>
        attachDpopInterceptor(axios.create(), app.manager, app.moduleRef.get(DpopService), { allowedOrigins: ['not a url'] }),
      ).toThrow(TokenConfigError);
      expect(() => attachDpopInterceptor(axios.create({ baseURL: api.baseUrl }), plain.manager, plain.moduleRef.get(DpopService))).toThrow(
        /dpop: is not enabled/,
      );
      expect(() => attachDpopInterceptor(axios, app.manager, app.moduleRef.get(DpopService), { allowedOrigins: [api.baseUrl] })).toThrow(
        /not the process-global axios/,
      );
      expect(axios.interceptors.request.handlers).toHaveLength(0);
    } finally {
      await plain.close();
    }
  });
});
