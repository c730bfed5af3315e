import { expect, it } from '@jest/globals';
import { failuresOf, tokensOf, useFleetEnvironment, waitUntil } from './support/fleet.js';
import { describeWithRedisServer } from './support/redis-server.js';

describeWithRedisServer('a fleet on Redis when an instance or Redis itself dies', () => {
  const fleet = useFleetEnvironment();

  it('when the lease owner is killed mid-fetch, another instance takes over after the lease expires and no caller hangs', async () => {
    const [owner, ...survivors] = await fleet.startFleet(3, 'fleet-b:', { tokenOptions: { storeLeaseMs: 1_000, storeWaitMs: 20_000 } });
    fleet.idp.delayMs = 3_000;
    const ownerBurst = owner.burst(50).catch(() => undefined);
    await waitUntil(() => fleet.idp.tokenRequests === 1);
    // The owner's request is held at the IdP; the others find the lease taken and wait for its token.
    const waiting = Promise.all(survivors.map((worker) => worker.burst(200)));
    await new Promise((resolve) => setTimeout(resolve, 100));
    fleet.idp.delayMs = 0;
    await owner.kill();
    await ownerBurst;

    const results = await waiting;
    expect(failuresOf(results)).toBe(0);
    expect(results.every((result) => result.ok === 200)).toBe(true);
    expect(tokensOf(results).size).toBe(1);
    // The dead owner's request, then exactly one takeover for the whole fleet.
    expect(fleet.idp.tokenRequests).toBe(2);
  });

  it('redis-server killed during load: zero failed calls; once it is back, the fleet shares again', async () => {
    const workers = await fleet.startFleet(4, 'fleet-c:');
    const warm = await Promise.all(workers.map((worker) => worker.burst(50)));
    expect(fleet.idp.tokenRequests).toBe(1);
    const [shared] = tokensOf(warm);
    await Promise.all(workers.map((worker) => worker.send('startLoad', { callers: 50 })));

    await fleet.redis.kill();
    // Every instance now gets a 401 and needs a new token while Redis is gone: each fetches its own.
    await Promise.all(workers.map((worker) => worker.send('invalidate', { token: shared })));
    const duringOutage = await Promise.all(workers.map((worker) => worker.burst(100)));
    expect(failuresOf(duringOutage)).toBe(0);
    expect(fleet.idp.tokenRequests).toBe(1 + workers.length);

    await fleet.redis.restart();
    await waitUntil(async () =>
      (await Promise.all(workers.map((worker) => worker.send<{ status: string }>('storeStatus')))).every(
        ({ status }) => status === 'ready',
      ),
    );
    const requestsBefore = fleet.idp.tokenRequests;
    await Promise.all(duringOutage.map((result, index) => workers[index].send('invalidate', { token: result.tokens[0] })));
    const afterRecovery = await Promise.all(workers.map((worker) => worker.burst(100)));
    expect(failuresOf(afterRecovery)).toBe(0);
    expect(tokensOf(afterRecovery).size).toBe(1);
    expect(fleet.idp.tokenRequests).toBe(requestsBefore + 1);

    const load = await Promise.all(workers.map((worker) => worker.send<{ calls: number; failed: number; errors: string[] }>('stopLoad')));
    expect(load.flatMap((result) => result.errors)).toEqual([]);
    expect(load.reduce((sum, result) => sum + result.failed, 0)).toBe(0);
    expect(load.every((result) => result.calls > 0)).toBe(true);
  });
});
