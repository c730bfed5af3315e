import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { Redis } from 'ioredis';
import { MemoryTokenStore, type TokenModuleOptions, type TokenStore } from '../lib/index.js';
import { RedisTokenStore } from '../lib/redis/index.js';
import { ManualClock } from './support/manual-clock.js';
import { describeWithRedisServer, RedisServer, testRedisClient } from './support/redis-server.js';
import { TestIdp } from './support/test-idp.js';
import { startTokenApp, type TokenApp } from './support/token-app.js';
import { waitUntil } from './support/wait-until.js';

const CLIENT = { clientId: 'test-client', clientSecret: 'test-secret-value-1234' };

/** A MemoryTokenStore on a clock the test moves, that records every answer to `acquireLease`. */
class LeaseRecordingStore extends MemoryTokenStore {
  readonly leaseAnswers: boolean[] = [];
  override async acquireLease(key: string, ownerId: string, ttlMs: number): Promise<boolean> {
    const taken = await super.acquireLease(key, ownerId, ttlMs);
    this.leaseAnswers.push(taken);
    return taken;
  }
}

describe('the fleet’s fetch lease outlives the slowest fetch its owner can make', () => {
  let idp: TestIdp;
  let dpopIdp: TestIdp;
  const apps: TokenApp[] = [];
  const start = async (options: TokenModuleOptions) => {
    const app = await startTokenApp(options);
    apps.push(app);
    return app.manager;
  };

  beforeAll(async () => {
    [idp, dpopIdp] = await Promise.all([TestIdp.start(), TestIdp.start({ dpop: {} })]);
  });
  afterEach(async () => {
    await Promise.all(apps.splice(0).map((app) => app.close()));
    idp.tokenRequests = 0;
    dpopIdp.tokenRequests = 0;
  });
  afterAll(async () => {
    await Promise.all([idp.stop(), dpopIdp.stop()]);
  });

  it.each([
    // Up to three token requests and two revocations, each allowed requestTimeoutMs (10 s).
    ['revoke-and-refetch', () => ({ issuer: idp, options: { tokenUrl: idp.tokenUrl, revocationUrl: idp.revocationUrl } })],
    // Each token request may be sent twice (RFC 9449 §8 nonce).
    ['DPoP', () => ({ issuer: dpopIdp, options: { tokenUrl: dpopIdp.tokenUrl, dpop: true as const } })],
  ])('with %s, an owner still fetching 20 s into its fetch keeps the lease: a second instance waits for its token', async (_, setup) => {
    const { issuer, options } = setup();
    const clock = new ManualClock();
    const store = new LeaseRecordingStore(clock.now);
    const release = issuer.holdNextTokenRequest();
    const owner = await start({ ...CLIENT, ...options, store });
    const ownerToken = owner.getAccessToken();
    await waitUntil(() => issuer.tokenRequests === 1);

    clock.advanceSeconds(20);
    const second = await start({ ...CLIENT, ...options, store });
    const secondToken = second.getAccessToken();
    await waitUntil(() => store.leaseAnswers.length >= 2);
    release();
    const [first, other] = await Promise.all([ownerToken, secondToken]);
    expect(other).toBe(first);
    expect(store.leaseAnswers.slice(0, 2)).toEqual([true, false]);
    expect(issuer.tokenRequests).toBe(1);
  });
});

/** The lease contract every store keeps; `expire(key)` returns once a lease on `key` taken with `ttlMs` 50 has run out. */
function leaseOwnershipScenarios(setup: () => { store: TokenStore; expire: (key: string) => Promise<void> }) {
  it('when A’s lease has expired and B holds a new one, A’s late release leaves B’s lease in place', async () => {
    const { store, expire } = setup();
    const key = `lease-${Math.random().toString(36).slice(2)}`;
    expect(await store.acquireLease(key, 'owner-a', 50)).toBe(true);
    await expire(key);
    expect(await store.acquireLease(key, 'owner-b', 60_000)).toBe(true);
    expect(await store.releaseLease(key, 'owner-a')).toBe(false);
    expect(await store.acquireLease(key, 'owner-c', 60_000)).toBe(false);
    expect(await store.releaseLease(key, 'owner-b')).toBe(true);
    expect(await store.acquireLease(key, 'owner-c', 60_000)).toBe(true);
  });
}

describe('MemoryTokenStore: a lease is released only by its owner', () => {
  leaseOwnershipScenarios(() => {
    const clock = new ManualClock();
    return { store: new MemoryTokenStore(clock.now), expire: async () => clock.advanceMs(50) };
  });
});

describeWithRedisServer('RedisTokenStore: a lease is released only by its owner', () => {
  let redis: RedisServer;
  let store: RedisTokenStore;
  let admin: Redis;
  beforeAll(async () => {
    redis = await RedisServer.start();
    store = new RedisTokenStore({ redis: redis.url, keyPrefix: 'lease-owner:', commandTimeoutMs: 5_000 });
    admin = testRedisClient(redis.url);
  }, 30_000);
  afterAll(async () => {
    admin?.disconnect();
    await store?.close();
    await redis?.stop();
  });
  // Redis expires the lease by its own clock: wait until its key is gone.
  leaseOwnershipScenarios(() => ({
    store,
    expire: (key) => waitUntil(async () => (await admin.exists(`lease-owner:{${key}}:lease`)) === 0),
  }));
});
