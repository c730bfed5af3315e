import { afterAll, beforeAll, expect, it } from '@jest/globals';
import { randomBytes } from 'node:crypto';
import type { DpopStatus } from '../lib/index.js';
import { DpopResourceServer } from './support/dpop-resource-server.js';
import { FLEET_CLIENT, failuresOf, useFleetEnvironment, type FleetWorker } from './support/fleet.js';
import { describeWithRedisServer, testRedisClient } from './support/redis-server.js';

const ENCRYPTION_KEY = randomBytes(32).toString('base64');

describeWithRedisServer('a fleet of Node processes with dpop: true sharing one redis-server, against oidc-provider with DPoP', () => {
  const fleet = useFleetEnvironment({ clients: [{ ...FLEET_CLIENT, dpopBound: true }], dpop: {} });
  let api: DpopResourceServer;

  beforeAll(async () => {
    api = await DpopResourceServer.start(fleet.idp);
  });
  afterAll(async () => {
    await api?.stop();
  });

  /** Each instance's DPoP status, then 50 concurrent API calls from every instance at once. */
  async function callApiFromEvery(workers: FleetWorker[]) {
    const statuses = await Promise.all(workers.map((worker) => worker.send<DpopStatus>('dpopStatus')));
    fleet.idp.delayMs = 50;
    const results = await Promise.all(
      workers.map((worker) =>
        worker.send<{ ok: number; failed: number; tokens: string[]; errors: string[] }>('apiBurst', { path: '/orders', callers: 50 }),
      ),
    );
    return { statuses, results };
  }

  it('4 processes adopt one generated key through Redis: one thumbprint, exactly 1 token request for 200 concurrent API calls, all accepted by the resource server', async () => {
    const workers = await fleet.startFleet(4, 'fleet-dpop:', {
      encryptionKey: ENCRYPTION_KEY,
      tokenOptions: { dpop: true, http: { baseURL: api.baseUrl } },
    });
    const acceptedBefore = api.accepted;
    const { statuses, results } = await callApiFromEvery(workers);
    expect(new Set(statuses.map((status) => status.thumbprint)).size).toBe(1);
    expect(statuses.every((status) => status.mode === 'ephemeral' && status.shared === true)).toBe(true);
    expect(results.flatMap((result) => result.errors)).toEqual([]);
    expect(failuresOf(results)).toBe(0);
    expect(fleet.idp.tokenRequests).toBe(1);
    expect(api.accepted - acceptedBefore).toBe(200);
  });

  it('the key deleted from Redis while A runs: A puts it back, B started afterwards adopts it, and both share 1 token', async () => {
    const settings = { encryptionKey: ENCRYPTION_KEY, tokenOptions: { dpop: true, http: { baseURL: api.baseUrl } } };
    const [a] = await fleet.startFleet(1, 'fleet-dpop-keepalive:', settings);
    const admin = testRedisClient(fleet.redis.url);
    try {
      const names = await admin.keys('fleet-dpop-keepalive:*:shared-secret');
      expect(names).toHaveLength(1);
      await admin.del(names[0]);
      expect(await a.send('refreshSharedDpopKey')).toEqual({ outcome: 'held' });
      expect(await admin.exists(names[0])).toBe(1);
    } finally {
      admin.disconnect();
    }
    const [b] = await fleet.startFleet(1, 'fleet-dpop-keepalive:', settings);
    const acceptedBefore = api.accepted;
    const { statuses, results } = await callApiFromEvery([a, b]);
    expect(new Set(statuses.map((status) => status.thumbprint)).size).toBe(1);
    expect(failuresOf(results)).toBe(0);
    expect(fleet.idp.tokenRequests).toBe(1);
    expect(api.accepted - acceptedBefore).toBe(100);
  });

  it('the same fleet without a store: a key per process, so a token per process (what the store above prevents)', async () => {
    const workers = await fleet.startFleet(4, 'fleet-dpop-alone:', {
      redisUrl: undefined,
      tokenOptions: { dpop: true, http: { baseURL: api.baseUrl } },
    });
    const { statuses, results } = await callApiFromEvery(workers);
    expect(new Set(statuses.map((status) => status.thumbprint)).size).toBe(4);
    expect(statuses.every((status) => status.shared === false)).toBe(true);
    expect(failuresOf(results)).toBe(0);
    expect(fleet.idp.tokenRequests).toBe(4);
  });
});
