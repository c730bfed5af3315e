import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { AxiosError, isCancel } from 'axios';
import { Readable } from 'node:stream';
import { inspect } from 'node:util';
import type { TokenModuleOptions } from '../lib/index.js';
import { startHttpApp, type HttpApp } from './support/http-app.js';
import { json, ProgrammableServer } from './support/programmable-server.js';
import { introspectionVerifier, ProtectedResource, revokeAtIdp } from './support/protected-resource.js';
import { TestIdp } from './support/test-idp.js';
import { nextEvent } from './support/token-app.js';
import { GATEWAY_CLIENT, GatewayTokenServer } from './support/gateway-token-server.js';
import { ManualClock } from './support/manual-clock.js';

const CLIENT = { clientId: 'test-client', clientSecret: 'test-secret-value-1234' };
const RESOURCE_SERVER = { clientId: 'resource-server', clientSecret: 'resource-server-secret-5678' };

describe('one-shot 401 retry against an API that introspects opaque tokens at oidc-provider', () => {
  let idp: TestIdp;
  let api: ProtectedResource;
  let writeApi: ProtectedResource;
  let app: HttpApp | undefined;

  const options = (extra: Partial<TokenModuleOptions> = {}): TokenModuleOptions => ({
    tokenUrl: idp.tokenUrl,
    ...CLIENT,
    scope: 'api:read',
    http: { baseURL: api.url, allowedOrigins: [writeApi.url] },
    ...extra,
  });
  /** Starts the app, takes its first token and revokes it at the IdP: the cached token is now dead. */
  const startWithRevokedToken = async (extra: Partial<TokenModuleOptions> = {}) => {
    const started = await startHttpApp(options(extra));
    app = started;
    const revoked = await started.manager.getAccessToken();
    await revokeAtIdp(idp, revoked, CLIENT);
    idp.tokenRequests = 0;
    return { app: started, revoked };
  };
  const expectAxios401 = (error: unknown) => {
    expect(error).toBeInstanceOf(AxiosError);
    expect((error as AxiosError).response?.status).toBe(401);
    return error as AxiosError;
  };

  beforeAll(async () => {
    idp = await TestIdp.start({ format: 'opaque', clients: [CLIENT, RESOURCE_SERVER] });
    api = await ProtectedResource.start(introspectionVerifier(idp, RESOURCE_SERVER));
    writeApi = await ProtectedResource.start(introspectionVerifier(idp, RESOURCE_SERVER, 'api:write'));
  });
  afterAll(async () => {
    await Promise.all([api.stop(), writeApi.stop()]);
    await idp.stop();
  });
  beforeEach(() => {
    api.requests.length = 0;
    writeApi.requests.length = 0;
    idp.delayMs = 0;
    idp.tokenRequests = 0;
  });
  afterEach(async () => {
    await app?.close();
    app = undefined;
  });

  it('a token revoked at the IdP: the 401 drops it, one new token is fetched and the request succeeds on its single resend', async () => {
    const { app, revoked } = await startWithRevokedToken();
    const retried = nextEvent(app.manager, 'unauthorized_retry');

    const response = await app.send({ method: 'POST', url: '/orders', data: { sku: 'A-1', quantity: 2 } });

    expect(response.status).toBe(200);
    const fresh = await app.manager.getAccessToken();
    expect(fresh).not.toBe(revoked);
    expect(api.requestsTo('/orders').map((request) => [request.authorization, request.body])).toEqual([
      [`Bearer ${revoked}`, '{"sku":"A-1","quantity":2}'],
      [`Bearer ${fresh}`, '{"sku":"A-1","quantity":2}'],
    ]);
    expect(idp.tokenRequests).toBe(1);
    await expect(retried).resolves.toMatchObject({ type: 'unauthorized_retry', origin: api.url });
    expect(app.events.map((event) => event.type)).toEqual(['acquired', 'invalidated', 'refreshed', 'unauthorized_retry']);
  });

  it('401 storm: 500 concurrent requests with a revoked token make exactly one new token request, each is resent once, all 500 succeed', async () => {
    const { app, revoked } = await startWithRevokedToken();

    const responses = await Promise.all(Array.from({ length: 500 }, (_, index) => app.send({ url: `/storm/${index}` })));

    expect(responses.every((response) => response.status === 200)).toBe(true);
    expect(idp.tokenRequests).toBe(1);
    const fresh = await app.manager.getAccessToken();
    for (let index = 0; index < 500; index += 1) {
      expect(api.requestsTo(`/storm/${index}`).map((request) => request.authorization)).toEqual([`Bearer ${revoked}`, `Bearer ${fresh}`]);
    }
    expect(app.events.filter((event) => event.type === 'invalidated')).toHaveLength(1);
    expect(app.events.filter((event) => event.type === 'unauthorized_retry')).toHaveLength(500);
  });

  it('a second 401 after the resend is returned as the axios error with its response, after exactly 2 requests', async () => {
    // The write API wants api:write, which this client's tokens never carry: every token gets a 401.
    const { app } = await startWithRevokedToken();
    await app.manager.getAccessToken(); // a valid token, refused by the write API anyway
    idp.tokenRequests = 0;
    const before = await app.manager.getAccessToken();

    const error = expectAxios401(
      await app.send({ method: 'PUT', url: `${writeApi.url}/prices`, data: 'price=10' }).catch((e: unknown) => e),
    );

    expect(error.response?.headers['www-authenticate']).toContain('insufficient_scope');
    expect(error.response?.data).toEqual({ error: 'unauthorized' });
    const seen = writeApi.requestsTo('/prices');
    expect(seen).toHaveLength(2);
    expect(seen[0]?.authorization).toBe(`Bearer ${before}`);
    expect(seen[1]?.authorization).not.toBe(seen[0]?.authorization);
    expect(seen.map((request) => request.body)).toEqual(['price=10', 'price=10']);
    expect(idp.tokenRequests).toBe(1);
  });

  it('an error the caller gets carries neither token: not in inspect, not in JSON, not in its config', async () => {
    const { app, revoked } = await startWithRevokedToken();
    const error = expectAxios401(await app.send({ url: `${writeApi.url}/logged` }).catch((e: unknown) => e));
    const fresh = await app.manager.getAccessToken();
    expect(writeApi.requestsTo('/logged').map((request) => request.authorization)).toEqual([`Bearer ${revoked}`, `Bearer ${fresh}`]);
    for (const text of [inspect(error, { depth: 12 }), JSON.stringify(error), String(error.stack)]) {
      expect(text).not.toContain(revoked);
      expect(text).not.toContain(fresh);
    }
    expect(error.config?.headers.has('Authorization')).toBe(false);
    // Still there for code that needs it, just not enumerable.
    expect(error.request).toBeDefined();
  });

  it('a stream body cannot be replayed: its 401 comes back untouched and the next request goes out with a new token', async () => {
    const { app, revoked } = await startWithRevokedToken();

    const error = expectAxios401(
      await app.send({ method: 'POST', url: '/upload', data: Readable.from(['line 1\n', 'line 2\n']) }).catch((e: unknown) => e),
    );

    expect(error.config?.url).toBe('/upload');
    expect(api.requestsTo('/upload')).toEqual([expect.objectContaining({ authorization: `Bearer ${revoked}`, body: 'line 1\nline 2\n' })]);
    // The rejected token was dropped, so the next call does not pay for another 401.
    await expect(app.send({ url: '/after-upload' })).resolves.toMatchObject({ status: 200 });
    expect(api.requestsTo('/after-upload')).toHaveLength(1);
    expect(api.requestsTo('/after-upload')[0]?.authorization).not.toBe(`Bearer ${revoked}`);
    expect(idp.tokenRequests).toBe(1);
  });

  it('string, Buffer, URLSearchParams and FormData bodies are resent byte for byte', async () => {
    const { app } = await startWithRevokedToken();
    const form = new FormData();
    form.append('note', 'hello');
    form.append('file', new Blob([Buffer.from('file-bytes')]), 'a.txt');
    const bodies: Array<[string, unknown]> = [
      ['/string', 'plain text body'],
      ['/buffer', Buffer.from([1, 2, 3, 250])],
      ['/form-urlencoded', new URLSearchParams({ a: '1', b: 'two' })],
      ['/multipart', form],
    ];
    for (const [path, data] of bodies) {
      await revokeAtIdp(idp, await app.manager.getAccessToken(), CLIENT);
      await expect(app.send({ method: 'POST', url: path, data })).resolves.toMatchObject({ status: 200 });
      const seen = api.requestsTo(path);
      expect(seen).toHaveLength(2);
      // A multipart body gets a fresh boundary per send; everything else is identical.
      const unbounded = (body = '') => body.replace(/axios-[\w.-]+-boundary-[\w-]+/g, 'BOUNDARY');
      expect(unbounded(seen[1]?.body)).toBe(unbounded(seen[0]?.body));
      expect(seen[1]?.authorization).not.toBe(seen[0]?.authorization);
    }
    expect(api.requestsTo('/multipart')[1]?.body).toContain('file-bytes');
    expect(idp.tokenRequests).toBe(4);
  });

  it('when the renewal itself fails, the caller gets the original 401, not the token error', async () => {
    // No cooldown, so the last step shows the very next call trying again.
    const { app, revoked } = await startWithRevokedToken({ failureCooldownMs: 0 });
    // The IdP refuses the client (not a transient failure, so the manager does not retry it).
    idp.faults.push((ctx) => {
      ctx.status = 401;
      ctx.type = 'application/json';
      ctx.body = { error: 'invalid_client' };
    });

    const error = expectAxios401(await app.send({ url: '/renewal-fails' }).catch((e: unknown) => e));

    expect(api.requestsTo('/renewal-fails').map((request) => request.authorization)).toEqual([`Bearer ${revoked}`]);
    expect(idp.tokenRequests).toBe(1);
    expect(app.events.map((event) => event.type)).toEqual(['acquired', 'invalidated', 'refresh_failed']);
    expect(inspect(error)).not.toContain(revoked);
    // The next call tries again and succeeds.
    await expect(app.send({ url: '/after-failed-renewal' })).resolves.toMatchObject({ status: 200 });
  });

  it('retryOn401: false returns the 401 untouched and keeps the cached token', async () => {
    const { app, revoked } = await startWithRevokedToken({ retryOn401: false });

    expectAxios401(await app.send({ url: '/no-retry' }).catch((e: unknown) => e));

    expect(api.requestsTo('/no-retry')).toHaveLength(1);
    expect(idp.tokenRequests).toBe(0);
    expect(await app.manager.getAccessToken()).toBe(revoked);
    expect(app.events.map((event) => event.type)).toEqual(['acquired']);
  });

  it('a retryOn401 predicate decides per error: here, only RFC 6750 invalid_token is retried', async () => {
    const onlyInvalidToken = (error: AxiosError) => String(error.response?.headers['www-authenticate']).includes('error="invalid_token"');
    const { app } = await startWithRevokedToken({ retryOn401: onlyInvalidToken });

    await expect(app.send({ url: '/revoked' })).resolves.toMatchObject({ status: 200 });
    expect(api.requestsTo('/revoked')).toHaveLength(2);
    expect(idp.tokenRequests).toBe(1);

    expectAxios401(await app.send({ url: `${writeApi.url}/scoped` }).catch((e: unknown) => e));
    expect(writeApi.requestsTo('/scoped')).toHaveLength(1);
    expect(idp.tokenRequests).toBe(1);
  });

  it('a retryOn401 predicate sees the status and the challenge, never the token: what it logs or keeps holds neither token', async () => {
    const seen: AxiosError[] = [];
    const { app, revoked } = await startWithRevokedToken({ retryOn401: (error) => seen.push(error) > 0 });

    await expect(app.send({ url: '/judged' })).resolves.toMatchObject({ status: 200 });

    const fresh = await app.manager.getAccessToken();
    expect(api.requestsTo('/judged').map((request) => request.authorization)).toEqual([`Bearer ${revoked}`, `Bearer ${fresh}`]);
    expect(seen).toHaveLength(1);
    const [judged] = seen;
    expect(judged).toBeInstanceOf(AxiosError);
    expect(judged?.response?.status).toBe(401);
    expect(judged?.response?.headers['www-authenticate']).toContain('error="invalid_token"');
    expect(judged?.config?.url).toBe('/judged');
    expect(judged?.config?.headers.has('Authorization')).toBe(false);
    for (const text of [inspect(judged, { depth: 12 }), JSON.stringify(judged)]) {
      expect(text).not.toContain(revoked);
      expect(text).not.toContain(fresh);
    }
  });

  it('a request aborted while it waits for the first token rejects alone; the shared token request serves the others', async () => {
    app = await startHttpApp(options());
    idp.delayMs = 300;
    const controller = new AbortController();
    const aborted = app.send({ url: '/aborted', signal: controller.signal }).catch((e: unknown) => e);
    const others = Array.from({ length: 5 }, (_, index) => app!.send({ url: `/waiting/${index}` }));
    while (idp.tokenRequests === 0) await new Promise((resolve) => setTimeout(resolve, 5));
    controller.abort();

    const error = await aborted;
    expect(isCancel(error)).toBe(true);
    await expect(Promise.all(others)).resolves.toHaveLength(5);
    expect(idp.tokenRequests).toBe(1);
    expect(api.requestsTo('/aborted')).toEqual([]);
    expect(api.requests).toHaveLength(5);
  });

  it('a request aborted while its resend waits for the new token rejects alone; the others are resent', async () => {
    const { app } = await startWithRevokedToken();
    idp.delayMs = 300;
    const controller = new AbortController();
    const invalidated = nextEvent(app.manager, 'invalidated');
    const aborted = app.send({ url: '/abort-during-retry', signal: controller.signal }).catch((e: unknown) => e);
    const other = app.send({ url: '/resent-anyway' });
    await invalidated;
    controller.abort();

    expect(isCancel(await aborted)).toBe(true);
    await expect(other).resolves.toMatchObject({ status: 200 });
    expect(api.requestsTo('/abort-during-retry')).toHaveLength(1);
    expect(api.requestsTo('/resent-anyway')).toHaveLength(2);
    expect(idp.tokenRequests).toBe(1);
  });
});

describe('a token endpoint that hands back the token the API just rejected', () => {
  let tokenEndpoint: ProgrammableServer;
  let api: ProgrammableServer;
  let app: HttpApp;

  beforeAll(async () => {
    // Some gateways cache tokens per client and keep issuing a token the API already refuses.
    tokenEndpoint = await ProgrammableServer.start((_request, response) =>
      json(response, 200, { access_token: 'gateway-cached-token', token_type: 'Bearer', expires_in: 3600 }),
    );
    api = await ProgrammableServer.start((_request, response) => json(response, 401, { error: 'invalid_token' }));
    app = await startHttpApp({ tokenUrl: `${tokenEndpoint.url}/token`, ...CLIENT, http: { baseURL: api.url } });
  });
  afterAll(async () => {
    await app.close();
    await Promise.all([tokenEndpoint.stop(), api.stop()]);
  });

  it('does not resend: the 401 is returned after one request to the API', async () => {
    const error = (await app.send({ url: '/resource' }).catch((e: unknown) => e)) as AxiosError;
    expect(error).toBeInstanceOf(AxiosError);
    expect(error.response?.status).toBe(401);
    expect(api.requests).toHaveLength(1);
    expect(api.requests[0]?.headers.authorization).toBe('Bearer gateway-cached-token');
    // Initial token, then one more after the 401 invalidated it: the same value came back.
    expect(tokenEndpoint.requests).toHaveLength(2);
    expect(app.events.some((event) => event.type === 'unauthorized_retry')).toBe(false);
  });
});

describe('a WSO2-like gateway that keeps handing out the token the API rejects', () => {
  let clock: ManualClock;
  let gateway: GatewayTokenServer;
  let api: ProtectedResource;
  let app: HttpApp;
  /** Tokens the API refuses even though the gateway still considers them valid. */
  const refused = new Set<string>();

  beforeAll(async () => {
    clock = new ManualClock();
    gateway = await GatewayTokenServer.start(clock, 3600);
    api = await ProtectedResource.start(async (token) => (refused.has(token) ? 'invalid_token' : 'ok'));
  });
  afterAll(async () => {
    await app?.close();
    await api.stop();
    await gateway.stop();
  });

  it('with revocationUrl, the rejected token is revoked at the gateway, a new one fetched, and the request resent once', async () => {
    app = await startHttpApp({
      tokenUrl: gateway.tokenUrl,
      ...GATEWAY_CLIENT,
      revocationUrl: gateway.revocationUrl,
      clock: clock.now,
      http: { baseURL: api.url },
    });
    const first = await app.manager.getAccessToken();
    refused.add(first);

    const response = await app.send({ url: '/through-gateway' });

    expect(response.status).toBe(200);
    const second = await app.manager.getAccessToken();
    expect(second).not.toBe(first);
    expect(gateway.revokedTokens).toEqual([first]);
    expect(api.requestsTo('/through-gateway').map((request) => request.authorization)).toEqual([`Bearer ${first}`, `Bearer ${second}`]);
  });
});
