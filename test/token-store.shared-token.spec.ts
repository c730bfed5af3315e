import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import {
  MemoryTokenStore,
  type StoredToken,
  TokenConfigError,
  TokenStoreError,
  type TokenModuleOptions,
  type TokenStore,
} from '../lib/index.js';
import { ManualClock } from './support/manual-clock.js';
import { TestIdp } from './support/test-idp.js';
import { startTokenApp, type TokenApp } from './support/token-app.js';

/** A store whose every command fails, as an unreachable one does. */
class UnreachableStore implements TokenStore {
  calls = 0;
  private fail = async (): Promise<never> => {
    this.calls += 1;
    throw new TokenStoreError('store unreachable');
  };
  get = this.fail as () => Promise<StoredToken | undefined>;
  set = this.fail as () => Promise<void>;
  deleteIfEqual = this.fail as () => Promise<boolean>;
  acquireLease = this.fail as () => Promise<boolean>;
  releaseLease = this.fail as () => Promise<boolean>;
}

describe('token managers sharing a TokenStore', () => {
  let idp: TestIdp;
  const apps: TokenApp[] = [];
  const start = async (options: Partial<TokenModuleOptions>) => {
    const app = await startTokenApp({
      tokenUrl: idp.tokenUrl,
      clientId: 'test-client',
      clientSecret: 'test-secret-value-1234',
      ...options,
    });
    apps.push(app);
    return app.manager;
  };

  beforeAll(async () => {
    idp = await TestIdp.start();
  });
  afterEach(async () => {
    await Promise.all(apps.splice(0).map((app) => app.close()));
    idp.tokenRequests = 0;
    idp.delayMs = 0;
  });
  afterAll(async () => {
    await idp.stop();
  });

  it('three instances × 100 concurrent callers on one store make one token request; a 401 makes exactly one more', async () => {
    const store = new MemoryTokenStore();
    const managers = await Promise.all([start({ store }), start({ store }), start({ store })]);
    idp.delayMs = 30;
    const tokens = await Promise.all(managers.flatMap((manager) => Array.from({ length: 100 }, () => manager.getAccessToken())));
    expect(idp.tokenRequests).toBe(1);
    expect(new Set(tokens).size).toBe(1);

    for (const manager of managers) manager.invalidate(tokens[0]);
    const renewed = await Promise.all(managers.flatMap((manager) => Array.from({ length: 100 }, () => manager.getAccessToken())));
    expect(idp.tokenRequests).toBe(2);
    expect(new Set(renewed).size).toBe(1);
    expect(renewed[0]).not.toBe(tokens[0]);
  });

  it('a stale shared token is refreshed once for all instances, and each picks up the new one', async () => {
    const clock = new ManualClock();
    const store = new MemoryTokenStore(clock.now);
    const [first, second] = await Promise.all([start({ store, clock: clock.now }), start({ store, clock: clock.now })]);
    const original = await first.getAccessToken();
    expect(await second.getAccessToken()).toBe(original);

    // 3600 s token, 300 s margin: stale from 3300 s on, still valid.
    clock.advanceSeconds(3400);
    expect(await first.getAccessToken()).toBe(original);
    await new Promise<void>((resolve) => first.events$.subscribe((event) => event.type === 'refreshed' && resolve()));
    const refreshed = await first.getAccessToken();
    expect(refreshed).not.toBe(original);

    expect(await second.getAccessToken()).toBe(original);
    await new Promise<void>((resolve) => second.events$.subscribe((event) => event.type === 'refreshed' && resolve()));
    expect(await second.getAccessToken()).toBe(refreshed);
    expect(idp.tokenRequests).toBe(2);
  });

  it('a late 401 for an old token does not delete the current shared token', async () => {
    const store = new MemoryTokenStore();
    const [first, second] = await Promise.all([start({ store }), start({ store })]);
    const old = await first.getAccessToken();
    expect(await second.getAccessToken()).toBe(old);
    first.invalidate(old);
    const current = await first.getAccessToken();
    // The second instance still holds the old token; its late 401 must not cost the fleet a request.
    second.invalidate(old);
    expect(await second.getAccessToken()).toBe(current);
    expect(idp.tokenRequests).toBe(2);
  });

  it('an instance that saw a token rejected never takes it from the store again, even when the store could not delete it', async () => {
    const memory = new MemoryTokenStore();
    const store: TokenStore = {
      get: (key) => memory.get(key),
      set: (key, token, ttlMs) => memory.set(key, token, ttlMs),
      deleteIfEqual: async () => {
        throw new TokenStoreError('compare-and-delete failed');
      },
      acquireLease: (key, owner, ttlMs) => memory.acquireLease(key, owner, ttlMs),
      releaseLease: (key, owner) => memory.releaseLease(key, owner),
    };
    const [first, second] = await Promise.all([start({ store }), start({ store })]);
    const rejected = await first.getAccessToken();
    expect(await second.getAccessToken()).toBe(rejected);
    first.invalidate(rejected);
    const renewed = await first.getAccessToken();
    expect(renewed).not.toBe(rejected);
    expect(idp.tokenRequests).toBe(2);
  });

  it('a rejected token that another instance writes back late is never adopted again, however many tokens were rejected since', async () => {
    const store = new MemoryTokenStore();
    const manager = await start({ store });
    const first = await manager.getAccessToken();
    manager.invalidate(first);
    const second = await manager.getAccessToken();
    // A slow instance stores the first token again, after the second one was rejected too.
    manager.invalidate(second);
    await store.set(
      manager.cacheKey,
      { accessToken: first, tokenType: 'Bearer', expiresInSeconds: 3600, expiresInDefaulted: false, obtainedAtMs: Date.now() },
      3_600_000,
    );
    const third = await manager.getAccessToken();
    expect([first, second]).not.toContain(third);
    expect(idp.tokenRequests).toBe(3);
  });

  it('a store that fails every command never fails a caller: the instance keeps its own single-flight', async () => {
    const store = new UnreachableStore();
    const manager = await start({ store });
    idp.delayMs = 30;
    const tokens = await Promise.all(Array.from({ length: 200 }, () => manager.getAccessToken()));
    expect(new Set(tokens).size).toBe(1);
    expect(idp.tokenRequests).toBe(1);
    expect(store.calls).toBeGreaterThan(0);
  });

  it('the hot path does not touch the store: a fresh cached token costs no store command', async () => {
    const store = new MemoryTokenStore();
    let storeCommands = 0;
    const counted: TokenStore = {
      get: (key) => (storeCommands++, store.get(key)),
      set: (key, token, ttlMs) => (storeCommands++, store.set(key, token, ttlMs)),
      deleteIfEqual: (key, token) => (storeCommands++, store.deleteIfEqual(key, token)),
      acquireLease: (key, owner, ttlMs) => (storeCommands++, store.acquireLease(key, owner, ttlMs)),
      releaseLease: (key, owner) => (storeCommands++, store.releaseLease(key, owner)),
    };
    const manager = await start({ store: counted });
    await manager.getAccessToken();
    const afterFirst = storeCommands;
    await Promise.all(Array.from({ length: 1000 }, () => manager.getAccessToken()));
    expect(afterFirst).toBeGreaterThan(0);
    expect(storeCommands).toBe(afterFirst);
  });

  it('store options are validated with the others: a non-store and bad timings are one TokenConfigError', async () => {
    await expect(start({ store: { get: () => undefined } as never, storeLeaseMs: 0, storeWaitMs: -1 })).rejects.toThrow(TokenConfigError);
    await expect(start({ store: { get: () => undefined } as never, storeLeaseMs: 0, storeWaitMs: -1 })).rejects.toMatchObject({
      problems: [
        { field: 'store', message: 'must be a TokenStore (missing set, deleteIfEqual, acquireLease, releaseLease)' },
        { field: 'storeLeaseMs', message: 'must be at least 1' },
        { field: 'storeWaitMs', message: 'must be at least 0' },
      ],
    });
  });
});
