import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { HttpService } from '@nestjs/axios';
import { Injectable } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { Test, type TestingModule } from '@nestjs/testing';
import axios, { type AxiosError, type AxiosResponse } from 'axios';
import { createHash, generateKeyPairSync } from 'node:crypto';
import { decodeJwt } from 'jose';
import { firstValueFrom } from 'rxjs';
import { TokenHealthIndicator } from '../lib/health/index.js';
import {
  attachDpopInterceptor,
  attachTokenInterceptor,
  DpopService,
  TokenManagerService,
  TokenModule,
  type TokenModuleOptions,
} from '../lib/index.js';
import { DpopResourceServer } from './support/dpop-resource-server.js';
import { jwtVerifier, ProtectedResource } from './support/protected-resource.js';
import { TestIdp } from './support/test-idp.js';
import { nextEvent } from './support/token-app.js';

const CLIENT = { clientId: 'dpop-client', clientSecret: 'dpop-secret-value-1234' };

/** A user's service, as users write it: it knows nothing about DPoP. */
@Injectable()
class OrdersClient {
  constructor(readonly http: HttpService) {}

  get(path: string): Promise<AxiosResponse<{ ok: boolean; path: string }>> {
    return firstValueFrom(this.http.get(path));
  }
}

async function startApp(options: TokenModuleOptions, extra: { imports?: unknown[]; providers?: unknown[] } = {}): Promise<TestingModule> {
  const moduleRef = await Test.createTestingModule({
    imports: [TokenModule.forRoot(options), ...((extra.imports ?? []) as never[])],
    providers: [OrdersClient, ...((extra.providers ?? []) as never[])],
  }).compile();
  moduleRef.useLogger(false);
  await moduleRef.init();
  return moduleRef;
}

const sha256 = (text: string) => createHash('sha256').update(text).digest('base64url');
const tokenOf = (authorization: string | undefined) => (authorization ?? '').replace(/^\S+ /, '');
const ecPem = () => generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();

describe("TokenModule's own HttpService with the dpop option", () => {
  let idp: TestIdp;
  let api: DpopResourceServer;
  let moduleRef: TestingModule;
  let orders: OrdersClient;

  beforeAll(async () => {
    idp = await TestIdp.start({ clients: [{ ...CLIENT, dpopBound: true }], dpop: {} });
  });
  beforeEach(async () => {
    api = await DpopResourceServer.start(idp);
    moduleRef = await startApp({ tokenUrl: idp.tokenUrl, ...CLIENT, dpop: true, http: { baseURL: api.baseUrl } });
    orders = moduleRef.get(OrdersClient);
    idp.tokenRequests = 0;
  });
  afterEach(async () => {
    await moduleRef.close();
    await api.stop();
  });
  afterAll(async () => {
    await idp.stop();
  });

  it('150 concurrent calls through the injected HttpService all pass the DPoP-verifying API with exactly one token request', async () => {
    idp.delayMs = 30;
    const responses = await Promise.all(Array.from({ length: 150 }, (_, i) => orders.get(`/orders/${i}`)));
    idp.delayMs = 0;
    expect(responses.every((response) => response.status === 200 && response.data.ok)).toBe(true);
    expect(idp.tokenRequests).toBe(1);
    expect(api.accepted).toBe(150);
    // The API demands a nonce on first contact: each first attempt was challenged and resent once.
    expect(api.nonceChallenges).toBe(150);
    expect(api.captured.every((request) => request.authorization?.startsWith('DPoP ') && request.dpop !== undefined)).toBe(true);
    expect(new Set(api.captured.map((request) => decodeJwt(request.dpop!).jti)).size).toBe(300);
    // Later calls carry the remembered nonce and are not challenged again.
    await orders.get('/orders/later');
    expect(api.nonceChallenges).toBe(150);
  });

  it('a token the API rejects as revoked (401 invalid_token) is renewed once and the call resent once with a fresh proof for the new token', async () => {
    await orders.get('/orders');
    const first = tokenOf(api.captured.at(-1)!.authorization);
    api.revoke(first);
    const retried = nextEvent(moduleRef.get(TokenManagerService), 'unauthorized_retry');
    const captured = api.captured.length;

    const response = await orders.get('/orders/after-revocation');

    expect(response.status).toBe(200);
    await expect(retried).resolves.toMatchObject({ origin: api.baseUrl });
    expect(idp.tokenRequests).toBe(2);
    const [rejected, resent] = api.captured.slice(captured);
    expect(api.captured).toHaveLength(captured + 2);
    expect(api.rejections.at(-1)).toBe('invalid_token: token revoked');
    const second = tokenOf(resent.authorization);
    expect(tokenOf(rejected.authorization)).toBe(first);
    expect(second).not.toBe(first);
    expect(resent.authorization).toBe(`DPoP ${second}`);
    const proof = decodeJwt(resent.dpop!);
    expect(proof).toMatchObject({ htm: 'GET', htu: `${api.baseUrl}/orders/after-revocation`, ath: sha256(second), nonce: api.nonce });
    expect(proof.jti).not.toBe(decodeJwt(rejected.dpop!).jti);
  });

  it('the nonce resend and the token retry have separate budgets: first contact with a revoked token takes one of each, then succeeds', async () => {
    await orders.get('/orders');
    api.revoke(tokenOf(api.captured.at(-1)!.authorization));
    api.nonce = 'rotated-without-notice';
    const captured = api.captured.length;

    await expect(orders.get('/orders')).resolves.toMatchObject({ status: 200 });

    expect(api.rejections.slice(-2)).toEqual([
      'use_dpop_nonce: resource server requires nonce in DPoP proof',
      'invalid_token: token revoked',
    ]);
    expect(api.captured).toHaveLength(captured + 3);
    expect(idp.tokenRequests).toBe(2);
  });

  it('a server that keeps demanding nonces gets one resend, and the token is neither renewed nor dropped', async () => {
    await orders.get('/orders');
    const token = await moduleRef.get(TokenManagerService).getAccessToken();
    const tokenRequests = idp.tokenRequests;
    api.alwaysDemandNonce = true;
    const failure = (await orders.get('/orders').catch((error: unknown) => error)) as AxiosError;
    expect(failure.response?.status).toBe(401);
    expect(api.nonceChallenges).toBe(3);
    expect(idp.tokenRequests).toBe(tokenRequests);
    await expect(moduleRef.get(TokenManagerService).getAccessToken()).resolves.toBe(token);
    // The error the caller gets (and may log) carries neither the token nor the proof.
    expect(failure.config?.headers.Authorization).toBeUndefined();
    expect(failure.config?.headers.DPoP).toBeUndefined();
  });

  it('a proof captured from the HttpService traffic is rejected when replayed', async () => {
    await orders.get('/orders');
    const captured = api.captured.at(-1)!;
    const replay = await fetch(`${api.baseUrl}/orders`, { headers: { Authorization: captured.authorization!, DPoP: captured.dpop! } });
    expect(replay.status).toBe(401);
    expect(api.rejections.at(-1)).toBe('invalid_dpop_proof: jti reused (replayed proof)');
  });

  it('a redirect, even within the allowed origin, carries neither the token nor the proof, and its 401 renews nothing', async () => {
    api.redirect('/moved', `${api.baseUrl}/orders`);
    const failure = (await orders.get('/moved').catch((error: unknown) => error)) as AxiosError;
    expect(failure.response?.status).toBe(401);
    const [moved, followed] = api.captured;
    expect(moved).toMatchObject({ path: '/moved', authorization: expect.stringMatching(/^DPoP /) });
    expect(followed).toEqual({ method: 'GET', path: '/orders' });
    expect(api.captured).toHaveLength(2);
    expect(idp.tokenRequests).toBe(1);
  });

  it('an interceptor registered before attachDpopInterceptor that moves the request to a foreign origin: it leaves without the token and the proof', async () => {
    const foreign = await ProtectedResource.start('public');
    const instance = axios.create({ baseURL: api.baseUrl });
    instance.interceptors.request.use((config) => {
      config.baseURL = foreign.url;
      return config;
    });
    attachDpopInterceptor(instance, moduleRef.get(TokenManagerService), moduleRef.get(DpopService));
    try {
      await expect(instance.get('/moved')).resolves.toMatchObject({ status: 200 });
      expect(foreign.requestsTo('/moved')).toEqual([expect.not.objectContaining({ authorization: expect.anything() })]);
      expect(foreign.requestsTo('/moved')[0]).not.toHaveProperty('dpop');
      expect(api.captured).toEqual([]);
    } finally {
      await foreign.stop();
    }
  });

  it('the health indicator reports the DPoP mode, algorithm and thumbprint, which is the cnf.jkt of the issued token', async () => {
    const healthRef = await startApp(
      { tokenUrl: idp.tokenUrl, ...CLIENT, dpop: true, http: { baseURL: api.baseUrl } },
      { imports: [TerminusModule], providers: [TokenHealthIndicator] },
    );
    try {
      const result = await healthRef.get(TokenHealthIndicator).isHealthy();
      const thumbprint = healthRef.get(DpopService).thumbprint;
      expect(thumbprint).toMatch(/^[\w-]{43}$/);
      expect(result.oauth2).toMatchObject({ status: 'up', dpop: { mode: 'ephemeral', alg: 'ES256', thumbprint } });
      const token = await healthRef.get(TokenManagerService).getAccessToken();
      expect((decodeJwt(token).cnf as { jkt: string }).jkt).toBe(thumbprint);
      expect(JSON.stringify(result)).not.toContain(token);
    } finally {
      await healthRef.close();
    }
  });
});

describe('DPoP and the rest of the module', () => {
  let idp: TestIdp;

  beforeAll(async () => {
    idp = await TestIdp.start({ dpop: false });
  });
  afterAll(async () => {
    await idp.stop();
  });

  it('with allowBearerDowngrade, a token the IdP issued as Bearer goes as Bearer without a proof, and the Bearer API accepts it', async () => {
    const api = await ProtectedResource.start(jwtVerifier(idp));
    const moduleRef = await startApp({
      tokenUrl: idp.tokenUrl,
      clientId: 'test-client',
      clientSecret: 'test-secret-value-1234',
      dpop: { privateKey: ecPem(), allowBearerDowngrade: true },
      http: { baseURL: api.url },
    });
    try {
      const response = await moduleRef.get(OrdersClient).get('/invoices');
      expect(response.status).toBe(200);
      const token = await moduleRef.get(TokenManagerService).getAccessToken();
      expect(moduleRef.get(TokenManagerService).getTokenInfo()?.tokenType.toLowerCase()).toBe('bearer');
      expect(api.requestsTo('/invoices')).toEqual([expect.objectContaining({ authorization: `Bearer ${token}` })]);
      expect(api.requestsTo('/invoices')[0]).not.toHaveProperty('dpop');
    } finally {
      await moduleRef.close();
      await api.stop();
    }
  });

  it('with allowBearerDowngrade and cache: false, every token the IdP issued as Bearer goes as Bearer without a proof', async () => {
    const api = await ProtectedResource.start(jwtVerifier(idp));
    const moduleRef = await startApp({
      tokenUrl: idp.tokenUrl,
      clientId: 'test-client',
      clientSecret: 'test-secret-value-1234',
      cache: false,
      dpop: { privateKey: ecPem(), allowBearerDowngrade: true },
      http: { baseURL: api.url },
    });
    try {
      const orders = moduleRef.get(OrdersClient);
      await expect(orders.get('/uncached/1')).resolves.toMatchObject({ status: 200 });
      await expect(orders.get('/uncached/2')).resolves.toMatchObject({ status: 200 });
      const sent = [...api.requestsTo('/uncached/1'), ...api.requestsTo('/uncached/2')];
      expect(sent).toHaveLength(2);
      expect(sent.every((request) => /^Bearer eyJ/.test(request.authorization ?? '') && request.dpop === undefined)).toBe(true);
      expect(sent[0]?.authorization).not.toBe(sent[1]?.authorization);
      expect(moduleRef.get(TokenManagerService).getTokenInfo()).toBeNull();
    } finally {
      await moduleRef.close();
      await api.stop();
    }
  });

  it('attachTokenInterceptor given the DpopService of a module without the dpop option stays Bearer, with no success handler', async () => {
    const api = await ProtectedResource.start(jwtVerifier(idp));
    const moduleRef = await startApp({ tokenUrl: idp.tokenUrl, clientId: 'test-client', clientSecret: 'test-secret-value-1234' });
    const instance = axios.create({ baseURL: api.url });
    const detach = attachTokenInterceptor(instance, moduleRef.get(TokenManagerService), { dpop: moduleRef.get(DpopService) });
    try {
      await expect(instance.get('/plain')).resolves.toMatchObject({ status: 200 });
      const token = await moduleRef.get(TokenManagerService).getAccessToken();
      expect(api.requestsTo('/plain')).toEqual([expect.objectContaining({ authorization: `Bearer ${token}` })]);
      expect(api.requestsTo('/plain')[0]).not.toHaveProperty('dpop');
      // The Bearer path reads nothing from successful answers.
      expect((instance.interceptors.response as unknown as { handlers: { fulfilled?: unknown }[] }).handlers[0]?.fulfilled).toBeUndefined();
    } finally {
      detach();
      await moduleRef.close();
      await api.stop();
    }
  });

  it('the cache key differs between two DPoP keys, is stable for one key, and differs from the Bearer setup', async () => {
    const base = { tokenUrl: idp.tokenUrl, clientId: 'test-client', clientSecret: 'test-secret-value-1234' };
    const [keyA, keyB] = [ecPem(), ecPem()];
    const keyOf = async (options: TokenModuleOptions) => {
      const moduleRef = await startApp(options);
      try {
        return moduleRef.get(TokenManagerService).cacheKey;
      } finally {
        await moduleRef.close();
      }
    };
    const [a1, a2, b, bearer, ephemeral1, ephemeral2] = await Promise.all([
      keyOf({ ...base, dpop: { privateKey: keyA } }),
      keyOf({ ...base, dpop: { privateKey: keyA } }),
      keyOf({ ...base, dpop: { privateKey: keyB } }),
      keyOf(base),
      keyOf({ ...base, dpop: true }),
      keyOf({ ...base, dpop: true }),
    ]);
    expect(a1).toBe(a2);
    expect(new Set([a1, b, bearer, ephemeral1, ephemeral2]).size).toBe(5);
  });
});
