import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { MemoryTokenStore, type StoredToken, type TokenManagerService, type TokenModuleOptions } from '../lib/index.js';
import { ManualClock } from './support/manual-clock.js';
import { TestIdp } from './support/test-idp.js';
import { startTokenApp, type TokenApp } from './support/token-app.js';
import { waitUntil } from './support/wait-until.js';

const HOUR_MS = 3_600_000;

describe('what a fleet store hands back is checked like an answer of the token endpoint', () => {
  let idp: TestIdp;
  const apps: TokenApp[] = [];
  const start = async (options: Partial<TokenModuleOptions>): Promise<TokenManagerService> => {
    const app = await startTokenApp({
      tokenUrl: idp.tokenUrl,
      clientId: 'test-client',
      clientSecret: 'test-secret-value-1234',
      ...options,
    });
    apps.push(app);
    return app.manager;
  };
  const stored = (changes: Partial<Record<keyof StoredToken, unknown>>, nowMs = Date.now()): StoredToken =>
    ({
      accessToken: 'token-written-by-a-peer',
      tokenType: 'Bearer',
      expiresInSeconds: 3600,
      expiresInDefaulted: false,
      obtainedAtMs: nowMs,
      ...changes,
    }) as StoredToken;

  beforeAll(async () => {
    idp = await TestIdp.start();
  });
  afterEach(async () => {
    await Promise.all(apps.splice(0).map((app) => app.close()));
    idp.tokenRequests = 0;
  });
  afterAll(async () => {
    await idp.stop();
  });

  it('a token stored by a peer whose clock runs an hour ahead expires here one lifetime from now, not an hour later', async () => {
    const clock = new ManualClock();
    const store = new MemoryTokenStore(clock.now);
    const manager = await start({ store, clock: clock.now });
    await store.set(manager.cacheKey, stored({ obtainedAtMs: clock.now() + HOUR_MS }), 2 * HOUR_MS);
    expect(await manager.getAccessToken()).toBe('token-written-by-a-peer');
    expect(manager.getTokenInfo()).toMatchObject({ obtainedAt: new Date(clock.now()), expiresAt: new Date(clock.now() + HOUR_MS) });
    expect(idp.tokenRequests).toBe(0);
  });

  it.each([
    ['a token with a line break in it', { accessToken: 'planted\r\nX-Injected: yes' }],
    ['a token type the token endpoint never issues', { tokenType: 'MAC' }],
    ['a lifetime of 1e308 seconds', { expiresInSeconds: 1e308 }],
    ['a lifetime that is not a number', { expiresInSeconds: Number.NaN }],
    ['an obtainedAtMs that is not a number', { obtainedAtMs: Number.NaN }],
  ])('%s is not adopted: the instance fetches a token and stores it in its place', async (_, changes) => {
    const store = new MemoryTokenStore();
    const manager = await start({ store });
    await store.set(manager.cacheKey, stored(changes), HOUR_MS);
    const token = await manager.getAccessToken();
    expect(token).toMatch(/^eyJ/);
    expect(idp.tokenRequests).toBe(1);
    expect((await store.get(manager.cacheKey))?.accessToken).toBe(token);
    expect(manager.getTokenInfo()!.expiresAt.getTime()).toBeGreaterThan(Date.now());
  });

  it('an instance that gave up waiting and fetched its own token does not overwrite a later one in the store: it takes that one', async () => {
    const clock = new ManualClock();
    const store = new MemoryTokenStore(clock.now);
    // The lease owner's request hangs at the IdP.
    const releaseOwner = idp.holdNextTokenRequest();
    const owner = await start({ store, clock: clock.now });
    const ownerToken = owner.getAccessToken();
    await waitUntil(() => idp.tokenRequests === 1);

    // A second instance waits no longer (storeWaitMs 0) and fetches its own; its request hangs too.
    clock.advanceSeconds(1);
    const releaseImpatient = idp.holdNextTokenRequest();
    const impatient = await start({ store, clock: clock.now, storeWaitMs: 0 });
    const impatientToken = impatient.getAccessToken();
    await waitUntil(() => idp.tokenRequests === 2);

    // The owner's lease expires; a third instance takes it and stores a token requested later than both.
    clock.advanceSeconds(60);
    const latest = await (await start({ store, clock: clock.now })).getAccessToken();
    releaseImpatient();
    releaseOwner();
    expect(await Promise.all([impatientToken, ownerToken])).toEqual([latest, latest]);
    expect((await store.get(owner.cacheKey))?.accessToken).toBe(latest);
    expect(await (await start({ store, clock: clock.now })).getAccessToken()).toBe(latest);
    expect(idp.tokenRequests).toBe(3);
  });
});
