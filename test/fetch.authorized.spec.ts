import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { createAuthorizedFetch, type TokenEvent } from '../lib/index.js';
import { startRevocableApiScene, type RevocableApiScene } from './support/http-app.js';
import { ProtectedResource } from './support/protected-resource.js';

const CLIENT = { clientId: 'test-client', clientSecret: 'test-secret-value-1234' };

describe('createAuthorizedFetch against the IdP and a JWT-verifying API', () => {
  let scene: RevocableApiScene;
  let recorder: ProtectedResource;
  let api: ReturnType<typeof createAuthorizedFetch>;
  const events: TokenEvent[] = [];

  beforeAll(async () => {
    scene = await startRevocableApiScene(CLIENT);
    recorder = await ProtectedResource.start('public');
    scene.app.manager.events$.subscribe((event) => events.push(event));
    api = createAuthorizedFetch(scene.app.manager, { baseURL: scene.api.url });
  });
  afterAll(async () => {
    await recorder.stop();
    await scene.stop();
  });
  beforeEach(() => {
    scene.forgetRecords();
    recorder.requests.length = 0;
    events.length = 0;
  });

  it('a relative URL goes to baseURL with the token; another origin and a caller with its own Authorization get none from us', async () => {
    const token = await scene.app.manager.getAccessToken();
    expect((await api('/items')).status).toBe(200);
    await api(`${recorder.url}/elsewhere`);
    await api(`${recorder.url}/own`, { headers: { Authorization: 'Basic dXNlcjpwYXNz' } });
    expect(scene.api.requestsTo('/items')[0]?.authorization).toBe(`Bearer ${token}`);
    expect(recorder.requestsTo('/elsewhere')[0]?.authorization).toBeUndefined();
    expect(recorder.requestsTo('/own')[0]?.authorization).toBe('Basic dXNlcjpwYXNz');
  });

  it('302 and 307 to another origin arrive there without the token; a same-origin redirect keeps it', async () => {
    const token = await scene.app.manager.getAccessToken();
    scene.api.redirects.set('/found', { status: 302, location: `${recorder.url}/after-302` });
    scene.api.redirects.set('/temporary', { status: 307, location: `${recorder.url}/after-307` });
    scene.api.redirects.set('/moved', { status: 301, location: '/here' });

    expect((await api('/found')).status).toBe(200);
    expect((await api('/temporary', { method: 'POST', body: 'kept body' })).status).toBe(200);
    expect((await api('/moved')).status).toBe(200);

    expect(recorder.requestsTo('/after-302')).toMatchObject([{ method: 'GET' }]);
    expect(recorder.requestsTo('/after-302')[0]?.authorization).toBeUndefined();
    expect(recorder.requestsTo('/after-307')).toMatchObject([{ method: 'POST', body: 'kept body' }]);
    expect(recorder.requestsTo('/after-307')[0]?.authorization).toBeUndefined();
    expect(scene.api.requestsTo('/here')[0]?.authorization).toBe(`Bearer ${token}`);
  });

  it('401 storm: 500 concurrent calls with a revoked token make exactly one token request, and all 500 succeed on their resend', async () => {
    const revoked = await scene.revokeCurrentToken();
    const responses = await Promise.all(
      Array.from({ length: 500 }, (_, index) => api(`/storm/${index}`, { method: 'PUT', body: `n=${index}` })),
    );
    expect(responses.map((response) => response.status)).toEqual(Array.from({ length: 500 }, () => 200));
    expect(scene.idp.tokenRequests).toBe(1);
    const fresh = await scene.app.manager.getAccessToken();
    expect(scene.api.requestsTo('/storm/7').map((request) => [request.authorization, request.body])).toEqual([
      [`Bearer ${revoked}`, 'n=7'],
      [`Bearer ${fresh}`, 'n=7'],
    ]);
    expect(events.filter((event) => event.type === 'unauthorized_retry')).toHaveLength(500);
    // 1,000 JWT verifications at the API: on a loaded machine this takes longer than the default timeout.
  }, 120_000);

  it('a second 401 is handed back after exactly two requests', async () => {
    const refusing = createAuthorizedFetch(scene.app.manager, { allowedOrigins: [scene.foreign.url] });
    const response = await refusing(`${scene.foreign.url}/always-refused`);
    expect(response.status).toBe(401);
    expect(scene.foreign.requestsTo('/always-refused')).toHaveLength(2);
  });

  it('a stream body is not replayed: its 401 goes to the caller, and the next call gets a new token', async () => {
    const revoked = await scene.revokeCurrentToken();
    const body = new ReadableStream({
      start(controller) {
        controller.enqueue(new TextEncoder().encode('streamed'));
        controller.close();
      },
    });
    const response = await api('/upload', { method: 'POST', body, duplex: 'half' } as RequestInit);
    expect(response.status).toBe(401);
    expect(scene.api.requestsTo('/upload')).toHaveLength(1);
    expect(scene.app.manager.peekFreshToken()).toBeUndefined();
    expect((await api('/after-upload')).status).toBe(200);
    expect(scene.api.requestsTo('/after-upload')[0]?.authorization).not.toBe(`Bearer ${revoked}`);
  });

  it('aborting one call while it waits for a token rejects that call only', async () => {
    scene.app.manager.invalidate();
    scene.idp.delayMs = 200;
    try {
      const controller = new AbortController();
      const aborted = api('/aborted', { signal: controller.signal });
      const other = api('/waits');
      controller.abort();
      await expect(aborted).rejects.toMatchObject({ name: 'AbortError' });
      expect((await other).status).toBe(200);
      expect(scene.api.requestsTo('/aborted')).toHaveLength(0);
    } finally {
      scene.idp.delayMs = 0;
    }
  });

  it('options without an allowlist are refused with a TokenConfigError naming the field', () => {
    expect(() => createAuthorizedFetch(scene.app.manager)).toThrow(/allowedOrigins/);
    expect(() => createAuthorizedFetch(scene.app.manager, { baseURL: 'not a url' })).toThrow(/baseURL/);
    expect(() => createAuthorizedFetch(scene.app.manager, { baseURL: scene.api.url, fetch: 'fetch' as never })).toThrow(
      /fetch: must be a function/,
    );
  });
});
