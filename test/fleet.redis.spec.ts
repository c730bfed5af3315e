import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { type BurstResult, buildLibForWorkers, removeLibForWorkers, FleetWorker, type FleetWorkerSettings, waitUntil } from './support/fleet.js';
import { hasRedisServer, REDIS_SERVER_MISSING, RedisServer } from './support/redis-server.js';
import { TestIdp } from './support/test-idp.js';

const CLIENT = { clientId: 'fleet-client', clientSecret: 'fleet-secret-value-5678' };

/** Every token any caller of these bursts received. */
const tokensOf = (results: BurstResult[]) => new Set(results.flatMap((result) => result.tokens));
const failuresOf = (results: BurstResult[]) => results.reduce((sum, result) => sum + result.failed, 0);

if (hasRedisServer) {
  describe('a fleet of Node processes sharing one redis-server and one oidc-provider', () => {
    let idp: TestIdp;
    let redis: RedisServer;
    let libDir: string;
    let workers: FleetWorker[] = [];

    const startFleet = (count: number, keyPrefix: string, extra: Partial<FleetWorkerSettings> = {}) =>
      Promise.all(
        Array.from({ length: count }, () =>
          FleetWorker.start(libDir, { tokenUrl: idp.tokenUrl, ...CLIENT, redisUrl: redis.url, keyPrefix, ...extra }),
        ),
      ).then((started) => (workers = started));

    beforeAll(async () => {
      libDir = buildLibForWorkers();
      [idp, redis] = await Promise.all([TestIdp.start({ clients: [CLIENT] }), RedisServer.start()]);
    }, 60_000);
    afterEach(async () => {
      await Promise.all(workers.map((worker) => worker.close()));
      workers = [];
      idp.tokenRequests = 0;
      idp.delayMs = 0;
    });
    afterAll(async () => {
      await Promise.all([idp?.stop(), redis?.stop()]);
      if (libDir) removeLibForWorkers(libDir);
    });

    it('8 processes × 200 concurrent callers make exactly 1 token request; a 401 makes exactly 1 more fleet-wide', async () => {
      await startFleet(8, 'fleet-a:');
      idp.delayMs = 50;
      const cold = await Promise.all(workers.map((worker) => worker.burst(200)));
      expect(failuresOf(cold)).toBe(0);
      expect(cold.every((result) => result.ok === 200)).toBe(true);
      expect(idp.tokenRequests).toBe(1);
      expect(tokensOf(cold).size).toBe(1);
      const [first] = tokensOf(cold);

      // One process gets a 401 for the shared token: it drops it locally and in Redis, and fetches one new token.
      await workers[0]!.send('invalidate', { token: first });
      const [afterRejection] = await Promise.all([workers[0]!.burst(200)]);
      expect(idp.tokenRequests).toBe(2);
      const [second] = afterRejection!.tokens;
      expect(afterRejection!.tokens).toHaveLength(1);
      expect(second).not.toBe(first);

      // The rest of the fleet then sees the same 401 for the old token: they pick up the new one, no request.
      await Promise.all(workers.slice(1).map((worker) => worker.send('invalidate', { token: first })));
      const others = await Promise.all(workers.slice(1).map((worker) => worker.burst(200)));
      expect(failuresOf(others)).toBe(0);
      expect([...tokensOf(others)]).toEqual([second]);
      expect(idp.tokenRequests).toBe(2);

      // All 8 see a 401 for the current token at the same moment: still exactly one more request.
      await Promise.all(workers.map((worker) => worker.send('invalidate', { token: second })));
      const together = await Promise.all(workers.map((worker) => worker.burst(200)));
      expect(failuresOf(together)).toBe(0);
      expect(tokensOf(together).size).toBe(1);
      expect(tokensOf(together).has(second!)).toBe(false);
      expect(idp.tokenRequests).toBe(3);
    });

    it('when the lease owner is killed mid-fetch, another instance takes over after the lease expires and no caller hangs', async () => {
      await startFleet(3, 'fleet-b:', { tokenOptions: { storeLeaseMs: 1_000, storeWaitMs: 20_000 } });
      const [owner, ...survivors] = workers;
      idp.delayMs = 3_000;
      const ownerBurst = owner!.burst(50).catch(() => undefined);
      await waitUntil(() => idp.tokenRequests === 1);
      // The owner's request is held at the IdP; the others find the lease taken and wait for its token.
      const waiting = Promise.all(survivors.map((worker) => worker.burst(200)));
      await new Promise((resolve) => setTimeout(resolve, 100));
      idp.delayMs = 0;
      await owner!.kill();
      await ownerBurst;

      const results = await waiting;
      expect(failuresOf(results)).toBe(0);
      expect(results.every((result) => result.ok === 200)).toBe(true);
      expect(tokensOf(results).size).toBe(1);
      // The dead owner's request, then exactly one takeover for the whole fleet.
      expect(idp.tokenRequests).toBe(2);
    });

    it('redis-server killed during load: zero failed calls; once it is back, the fleet shares again', async () => {
      await startFleet(4, 'fleet-c:');
      const warm = await Promise.all(workers.map((worker) => worker.burst(50)));
      expect(idp.tokenRequests).toBe(1);
      const [shared] = tokensOf(warm);
      await Promise.all(workers.map((worker) => worker.send('startLoad', { callers: 50 })));

      await redis.kill();
      // Every instance now gets a 401 and needs a new token while Redis is gone: each fetches its own.
      await Promise.all(workers.map((worker) => worker.send('invalidate', { token: shared })));
      const duringOutage = await Promise.all(workers.map((worker) => worker.burst(100)));
      expect(failuresOf(duringOutage)).toBe(0);
      expect(idp.tokenRequests).toBe(1 + workers.length);

      await redis.restart();
      await waitUntil(async () => (await Promise.all(workers.map((worker) => worker.send<{ status: string }>('storeStatus')))).every(({ status }) => status === 'ready'));
      const requestsBefore = idp.tokenRequests;
      await Promise.all(duringOutage.map((result, index) => workers[index]!.send('invalidate', { token: result.tokens[0] })));
      const afterRecovery = await Promise.all(workers.map((worker) => worker.burst(100)));
      expect(failuresOf(afterRecovery)).toBe(0);
      expect(tokensOf(afterRecovery).size).toBe(1);
      expect(idp.tokenRequests).toBe(requestsBefore + 1);

      const load = await Promise.all(workers.map((worker) => worker.send<{ calls: number; failed: number; errors: string[] }>('stopLoad')));
      expect(load.flatMap((result) => result.errors)).toEqual([]);
      expect(load.reduce((sum, result) => sum + result.failed, 0)).toBe(0);
      expect(load.every((result) => result.calls > 0)).toBe(true);
    });
  });
} else {
  describe('a fleet of Node processes sharing one redis-server and one oidc-provider', () => {
    it('needs redis-server on PATH (required in CI)', () => {
      process.stderr.write(`\n!!! ${REDIS_SERVER_MISSING} !!!\n\n`);
      expect(process.env.CI).not.toBe('true');
    });
  });
}
