import { afterAll, beforeAll, expect, it } from '@jest/globals';
import type { StoredToken } from '../lib/index.js';
import { RedisTokenStore } from '../lib/redis/index.js';
import { describeWithRedisServer, RedisServer } from './support/redis-server.js';
import { waitUntil } from './support/wait-until.js';

const TOKEN: StoredToken = {
  accessToken: 'notified-token-value',
  tokenType: 'Bearer',
  expiresInSeconds: 300,
  expiresInDefaulted: false,
  obtainedAtMs: Date.now(),
};

describeWithRedisServer('RedisTokenStore tells waiting instances when the token changes (pub/sub)', () => {
  let redis: RedisServer;
  const stores: RedisTokenStore[] = [];
  const newStore = (options: { notifyWaiters?: boolean } = {}) => {
    const store = new RedisTokenStore({ redis: redis.url, keyPrefix: 'notify:', ...options });
    stores.push(store);
    return store;
  };

  beforeAll(async () => {
    redis = await RedisServer.start();
  });
  afterAll(async () => {
    await Promise.all(stores.map((store) => store.close()));
    await redis?.stop();
  });

  it('a watch turns active once subscribed, then hears every token stored and every lease released by another instance', async () => {
    const waiting = newStore();
    const owner = newStore();
    const changes: string[] = [];
    const watch = waiting.watchToken('client-a', (change) => changes.push(change));
    await waitUntil(() => watch.active);
    expect(changes).toEqual(['active']);

    await owner.set('client-a', TOKEN, 60_000);
    await waitUntil(() => changes.length === 2);
    expect(await owner.acquireLease('client-a', 'owner-1', 5_000)).toBe(true);
    expect(await owner.releaseLease('client-a', 'owner-1')).toBe(true);
    await waitUntil(() => changes.length === 3);
    expect(changes).toEqual(['active', 'stored', 'stored']);

    // Another client's token is not this watch's business; a stopped watch hears nothing more. Messages
    // arrive in order, so once a second watch heard the last one, the first would have heard them all.
    const heardByControl: string[] = [];
    await owner.set('client-b', TOKEN, 60_000);
    watch.stop();
    const control = waiting.watchToken('client-a', (change) => heardByControl.push(change));
    await owner.set('client-a', TOKEN, 60_000);
    await waitUntil(() => heardByControl.includes('stored'));
    control.stop();
    expect(changes).toEqual(['active', 'stored', 'stored']);
  });

  it('with notifyWaiters: false a watch stays inactive and hears nothing: waiters poll', async () => {
    const store = newStore({ notifyWaiters: false });
    const changes: string[] = [];
    const watch = store.watchToken('client-c', (change) => changes.push(change));
    const control = newStore().watchToken('client-c', (change) => changes.push(`control ${change}`));
    await waitUntil(() => control.active);
    await newStore().set('client-c', TOKEN, 60_000);
    await waitUntil(() => changes.includes('control stored'));
    expect(watch.active).toBe(false);
    expect(changes).toEqual(['control active', 'control stored']);
    control.stop();
  });
});
