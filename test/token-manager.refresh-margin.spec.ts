import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { ManualClock } from './support/manual-clock.js';
import { TestIdp } from './support/test-idp.js';
import { nextEvent, startTokenApp, type TokenApp } from './support/token-app.js';

const client = { clientId: 'test-client', clientSecret: 'test-secret-value-1234' };

describe('proactive refresh at the margin, by the injected clock', () => {
  let idp: TestIdp;
  let shortIdp: TestIdp;
  let app: TokenApp | undefined;

  beforeAll(async () => {
    idp = await TestIdp.start({ ttlSeconds: 3600 });
    shortIdp = await TestIdp.start({ ttlSeconds: 60 });
  });
  afterEach(async () => {
    await app?.close();
    app = undefined;
  });
  afterAll(async () => {
    await Promise.all([idp.stop(), shortIdp.stop()]);
  });

  it('a 3600 s token is served from cache until 300 s before expiry, and refreshed from that instant on', async () => {
    const clock = new ManualClock();
    app = await startTokenApp({ tokenUrl: idp.tokenUrl, ...client, clock: clock.now });
    const before = idp.tokenRequests;
    const first = await app.manager.getAccessToken();
    expect(app.manager.getTokenInfo()?.refreshAt.getTime()).toBe(clock.nowMs + 3300_000);

    clock.advanceMs(3300_000 - 1);
    expect(await app.manager.getAccessToken()).toBe(first);
    expect(idp.tokenRequests - before).toBe(1);

    clock.advanceMs(1);
    const refreshed = nextEvent(app.manager, 'refreshed');
    // Stale but valid: the caller gets the current token at once while one refresh runs.
    const [duringRefresh, alsoDuringRefresh] = await Promise.all([app.manager.getAccessToken(), app.manager.getAccessToken()]);
    expect(duringRefresh).toBe(first);
    expect(alsoDuringRefresh).toBe(first);
    await refreshed;
    expect(idp.tokenRequests - before).toBe(2);
    const second = await app.manager.getAccessToken();
    expect(second).not.toBe(first);
    expect(idp.tokenRequests - before).toBe(2);
  });

  it('an expired token is never served: callers wait for the new one', async () => {
    const clock = new ManualClock();
    app = await startTokenApp({ tokenUrl: idp.tokenUrl, ...client, clock: clock.now });
    const first = await app.manager.getAccessToken();
    clock.advanceSeconds(3600);
    const second = await app.manager.getAccessToken();
    expect(second).not.toBe(first);
  });

  it('a 60 s token under the default 300 s margin is clamped to half its lifetime, so it is not refetched on every call', async () => {
    const clock = new ManualClock();
    app = await startTokenApp({ tokenUrl: shortIdp.tokenUrl, ...client, clock: clock.now });
    const before = shortIdp.tokenRequests;
    const first = await app.manager.getAccessToken();
    const info = app.manager.getTokenInfo()!;
    expect(info.expiresAt.getTime() - info.obtainedAt.getTime()).toBe(60_000);
    expect(info.refreshAt.getTime() - info.obtainedAt.getTime()).toBe(30_000);

    for (let i = 0; i < 10; i += 1) expect(await app.manager.getAccessToken()).toBe(first);
    clock.advanceMs(30_000 - 1);
    expect(await app.manager.getAccessToken()).toBe(first);
    expect(shortIdp.tokenRequests - before).toBe(1);

    clock.advanceMs(1);
    const refreshed = nextEvent(app.manager, 'refreshed');
    expect(await app.manager.getAccessToken()).toBe(first);
    await refreshed;
    expect(shortIdp.tokenRequests - before).toBe(2);
  });

  it('a custom margin is honoured, and a zero margin refreshes only at expiry', async () => {
    const clock = new ManualClock();
    app = await startTokenApp({ tokenUrl: idp.tokenUrl, ...client, clock: clock.now, refreshMarginSeconds: 0 });
    await app.manager.getAccessToken();
    const info = app.manager.getTokenInfo()!;
    expect(info.refreshAt.getTime()).toBe(info.expiresAt.getTime());
  });
});

describe('invalidate', () => {
  let idp: TestIdp;
  let app: TokenApp;

  beforeAll(async () => {
    idp = await TestIdp.start();
    app = await startTokenApp({ tokenUrl: idp.tokenUrl, ...client });
  });
  afterAll(async () => {
    await app.close();
    await idp.stop();
  });

  it('invalidate() drops the cached token, so the next call fetches a new one', async () => {
    const first = await app.manager.getAccessToken();
    const before = idp.tokenRequests;
    const invalidated = nextEvent(app.manager, 'invalidated');
    app.manager.invalidate();
    await invalidated;
    expect(app.manager.getTokenInfo()).toBeNull();
    const second = await app.manager.getAccessToken();
    expect(second).not.toBe(first);
    expect(idp.tokenRequests - before).toBe(1);
  });

  it('invalidate(rejected) drops the token when it is still the cached one', async () => {
    const current = await app.manager.getAccessToken();
    app.manager.invalidate(current);
    expect(app.manager.getTokenInfo()).toBeNull();
    expect(await app.manager.getAccessToken()).not.toBe(current);
  });

  it('a late 401 for an old token never discards the fresh one', async () => {
    const old = await app.manager.getAccessToken();
    app.manager.invalidate(old);
    const fresh = await app.manager.getAccessToken();
    const before = idp.tokenRequests;
    app.manager.invalidate(old);
    expect(app.manager.getTokenInfo()).not.toBeNull();
    expect(await app.manager.getAccessToken()).toBe(fresh);
    expect(idp.tokenRequests).toBe(before);
  });
});
