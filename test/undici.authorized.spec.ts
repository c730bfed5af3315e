import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { Readable } from 'node:stream';
import { inspect } from 'node:util';
import { Agent, type Dispatcher, fetch as undiciFetch, getGlobalDispatcher, interceptors, request, setGlobalDispatcher } from 'undici';
import type { TokenEvent } from '../lib/index.js';
import { createUndiciTokenInterceptor } from '../lib/undici/index.js';
import { startRevocableApiScene, type RevocableApiScene } from './support/http-app.js';
import { ProtectedResource } from './support/protected-resource.js';

const CLIENT = { clientId: 'test-client', clientSecret: 'test-secret-value-1234' };

describe('the undici token interceptor against the IdP and a JWT-verifying API', () => {
  let scene: RevocableApiScene;
  let recorder: ProtectedResource;
  let agent: Agent;
  let dispatcher: Dispatcher;
  const events: TokenEvent[] = [];

  /** `undici.request` through the authorized dispatcher, its body read to the end. */
  const send = async (url: string, options: Omit<Dispatcher.RequestOptions, 'origin' | 'path' | 'method'> & { method?: string } = {}) => {
    const response = await request(url, { dispatcher, ...options });
    await response.body.text();
    return response.statusCode;
  };

  beforeAll(async () => {
    scene = await startRevocableApiScene(CLIENT);
    recorder = await ProtectedResource.start('public');
    scene.app.manager.events$.subscribe((event) => events.push(event));
    agent = new Agent();
    dispatcher = agent.compose(
      createUndiciTokenInterceptor(scene.app.manager, { allowedOrigins: [scene.api.url] }),
      interceptors.redirect({ maxRedirections: 3 }),
    );
  });
  afterAll(async () => {
    await agent.close();
    await recorder.stop();
    await scene.stop();
  });
  beforeEach(() => {
    scene.forgetRecords();
    recorder.requests.length = 0;
    events.length = 0;
  });

  it('undici.request, undici.fetch and the global fetch given the dispatcher carry the token to the allowed origin only', async () => {
    const token = await scene.app.manager.getAccessToken();
    expect(await send(`${scene.api.url}/request`)).toBe(200);
    expect((await undiciFetch(`${scene.api.url}/undici-fetch`, { dispatcher })).status).toBe(200);
    expect((await fetch(`${scene.api.url}/global-fetch`, { dispatcher } as RequestInit)).status).toBe(200);
    await send(`${recorder.url}/elsewhere`);
    await undiciFetch(`${recorder.url}/elsewhere-fetch`, { dispatcher });
    await send(`${scene.api.url}/own`, { headers: { Authorization: 'Basic dXNlcjpwYXNz' } });
    for (const path of ['/request', '/undici-fetch', '/global-fetch'])
      expect(scene.api.requestsTo(path)[0]?.authorization).toBe(`Bearer ${token}`);
    expect(recorder.requestsTo('/elsewhere')[0]?.authorization).toBeUndefined();
    expect(recorder.requestsTo('/elsewhere-fetch')[0]?.authorization).toBeUndefined();
    expect(scene.api.requestsTo('/own')[0]?.authorization).toBe('Basic dXNlcjpwYXNz');
  });

  it('installed as the global dispatcher, it authorizes calls without a dispatcher option to the allowed origin, and no other', async () => {
    const token = await scene.app.manager.getAccessToken();
    const previous = getGlobalDispatcher();
    setGlobalDispatcher(dispatcher);
    try {
      expect((await undiciFetch(`${scene.api.url}/global`)).status).toBe(200);
      await (await request(`${recorder.url}/global-elsewhere`)).body.text();
    } finally {
      setGlobalDispatcher(previous);
    }
    expect(scene.api.requestsTo('/global')[0]?.authorization).toBe(`Bearer ${token}`);
    expect(recorder.requestsTo('/global-elsewhere')).toHaveLength(1);
    expect(recorder.requestsTo('/global-elsewhere')[0]?.authorization).toBeUndefined();
  });

  it('302 and 307 to another origin arrive there without the token; a same-origin redirect keeps it', async () => {
    const token = await scene.app.manager.getAccessToken();
    scene.api.redirects.set('/found', { status: 302, location: `${recorder.url}/after-302` });
    scene.api.redirects.set('/temporary', { status: 307, location: `${recorder.url}/after-307` });
    scene.api.redirects.set('/moved', { status: 301, location: '/here' });
    scene.api.redirects.set('/fetch-found', { status: 302, location: `${recorder.url}/after-fetch-302` });

    expect(await send(`${scene.api.url}/found`)).toBe(200);
    expect(await send(`${scene.api.url}/temporary`, { method: 'POST', body: 'kept body' })).toBe(200);
    expect(await send(`${scene.api.url}/moved`)).toBe(200);
    expect((await undiciFetch(`${scene.api.url}/fetch-found`, { dispatcher })).status).toBe(200);

    expect(recorder.requestsTo('/after-302')).toMatchObject([{ method: 'GET' }]);
    expect(recorder.requestsTo('/after-302')[0]?.authorization).toBeUndefined();
    expect(recorder.requestsTo('/after-307')).toMatchObject([{ method: 'POST', body: 'kept body' }]);
    expect(recorder.requestsTo('/after-307')[0]?.authorization).toBeUndefined();
    expect(recorder.requestsTo('/after-fetch-302')[0]?.authorization).toBeUndefined();
    expect(scene.api.requestsTo('/here')[0]?.authorization).toBe(`Bearer ${token}`);
  });

  it('a hop to another origin goes without the token even when that origin is allowed too, and so do the hops after it', async () => {
    const both = agent.compose(
      createUndiciTokenInterceptor(scene.app.manager, { allowedOrigins: [scene.api.url, recorder.url] }),
      interceptors.redirect({ maxRedirections: 3 }),
    );
    scene.api.redirects.set('/away', { status: 302, location: `${recorder.url}/allowed-too` });
    recorder.redirects.set('/allowed-too', { status: 302, location: `${scene.api.url}/back` });
    const response = await request(`${scene.api.url}/away`, { dispatcher: both });
    await response.body.text();
    recorder.redirects.clear();
    expect(response.statusCode).toBe(401);
    expect(recorder.requestsTo('/allowed-too')[0]?.authorization).toBeUndefined();
    expect(scene.api.requestsTo('/back')).toHaveLength(1);
    expect(scene.api.requestsTo('/back')[0]?.authorization).toBeUndefined();
  });

  it('401 storm: 500 concurrent calls with a revoked token make exactly one token request, and all 500 succeed on their resend', async () => {
    const revoked = await scene.revokeCurrentToken();
    const statuses = await Promise.all(
      Array.from({ length: 500 }, (_, index) => send(`${scene.api.url}/storm/${index}`, { method: 'PUT', body: `n=${index}` })),
    );
    expect(statuses).toEqual(Array.from({ length: 500 }, () => 200));
    expect(scene.idp.tokenRequests).toBe(1);
    const fresh = await scene.app.manager.getAccessToken();
    expect(scene.api.requestsTo('/storm/7').map((entry) => [entry.authorization, entry.body])).toEqual([
      [`Bearer ${revoked}`, 'n=7'],
      [`Bearer ${fresh}`, 'n=7'],
    ]);
    expect(events.filter((event) => event.type === 'unauthorized_retry')).toHaveLength(500);
    // 1,000 JWT verifications at the API: on a loaded machine this takes longer than the default timeout.
  }, 120_000);

  it('a second 401 is handed back, body included, after exactly two requests', async () => {
    const refusing = agent.compose(createUndiciTokenInterceptor(scene.app.manager, { allowedOrigins: [scene.foreign.url] }));
    const response = await request(`${scene.foreign.url}/always-refused`, { dispatcher: refusing });
    expect(response.statusCode).toBe(401);
    expect(response.headers['www-authenticate']).toMatch(/invalid_token/);
    await response.body.text();
    expect(scene.foreign.requestsTo('/always-refused')).toHaveLength(2);
  });

  it('a stream body is not replayed: its 401 goes to the caller, and the next call gets a new token', async () => {
    const revoked = await scene.revokeCurrentToken();
    expect(await send(`${scene.api.url}/upload`, { method: 'POST', body: Readable.from(['streamed']) })).toBe(401);
    expect(scene.api.requestsTo('/upload')).toHaveLength(1);
    expect(scene.app.manager.peekFreshToken()).toBeUndefined();
    expect(await send(`${scene.api.url}/after-upload`)).toBe(200);
    expect(scene.api.requestsTo('/after-upload')[0]?.authorization).not.toBe(`Bearer ${revoked}`);
  });

  it('aborting one call while it waits for a token rejects that call only', async () => {
    scene.app.manager.invalidate();
    scene.idp.delayMs = 200;
    try {
      const controller = new AbortController();
      const aborted = send(`${scene.api.url}/aborted`, { signal: controller.signal });
      const other = send(`${scene.api.url}/waits`);
      controller.abort();
      await expect(aborted).rejects.toMatchObject({ name: 'AbortError' });
      expect(await other).toBe(200);
      expect(scene.api.requestsTo('/aborted')).toHaveLength(0);
      expect(scene.idp.tokenRequests).toBe(1);
    } finally {
      scene.idp.delayMs = 0;
    }
  });

  it('the controller and the handler a caller sees show the origin of the grant, never the token', async () => {
    const token = await scene.app.manager.getAccessToken();
    const seen: { controller?: Dispatcher.DispatchController; handler?: Dispatcher.DispatchHandler } = {};
    await new Promise<void>((resolve, reject) => {
      const handler: Dispatcher.DispatchHandler = {
        onRequestStart: (controller) => void (seen.controller = controller),
        onResponseEnd: () => resolve(),
        onResponseError: (_controller, error) => reject(error),
      };
      seen.handler = handler;
      const alone = agent.compose(createUndiciTokenInterceptor(scene.app.manager, { allowedOrigins: [scene.api.url] }));
      alone.dispatch({ origin: scene.api.url, path: '/inspected', method: 'GET' }, handler);
    });
    expect(scene.api.requestsTo('/inspected')[0]?.authorization).toBe(`Bearer ${token}`);
    for (const shown of [
      inspect(seen.controller, { depth: 10, showHidden: true }),
      inspect(seen.handler, { depth: 10, showHidden: true }),
    ]) {
      expect(shown).not.toContain(token);
    }
    expect(inspect(seen.handler, { showHidden: true })).toContain(`RequestGrant { origin: ${scene.api.url} }`);
  });

  it('options without an allowlist, or with a retryOn401 of the wrong type, are refused with a TokenConfigError naming the field', () => {
    expect(() => createUndiciTokenInterceptor(scene.app.manager, {} as never)).toThrow(/allowedOrigins/);
    expect(() => createUndiciTokenInterceptor(scene.app.manager, { allowedOrigins: [scene.api.url], retryOn401: 'yes' as never })).toThrow(
      /retryOn401: must be a boolean or a function/,
    );
  });
});
