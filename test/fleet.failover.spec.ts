import { afterEach, expect, it } from '@jest/globals';
import { failuresOf, type FleetWorker, tokensOf, useFleetEnvironment, waitUntil } from './support/fleet.js';
import { describeWithRedisServer } from './support/redis-server.js';
import { startRedisCluster, startRedisSentinel } from './support/redis-topologies.mjs';

const PROCESSES = 4;

describeWithRedisServer('a fleet under load while Redis fails over (Cluster master killed, Sentinel master killed)', () => {
  const fleet = useFleetEnvironment();
  const topologies: Array<{ stop(): Promise<void> }> = [];
  afterEach(async () => {
    await Promise.all(topologies.splice(0).map((topology) => topology.stop()));
  });

  /** Until every instance's store answers for the client's key (after a failover: at its new master). */
  const storesAnswer = (workers: FleetWorker[]) =>
    waitUntil(
      async () =>
        (await Promise.all(workers.map((worker) => worker.send<{ answers: boolean }>('storeAnswers')))).every(({ answers }) => answers),
      30_000,
    );

  /**
   * Load on every instance; the master killed while every instance needs a new token (a 401 seen
   * everywhere): zero failed calls, at most one token request per instance during the failover, and
   * once it is over exactly one token request for the whole fleet again.
   */
  async function expectZeroFailedCallsThroughFailover(workers: FleetWorker[], killMaster: () => Promise<unknown>): Promise<void> {
    await storesAnswer(workers);
    const warm = await Promise.all(workers.map((worker) => worker.burst(50)));
    expect(tokensOf(warm).size).toBe(1);
    expect(fleet.idp.tokenRequests).toBe(1);
    const [shared] = tokensOf(warm);
    await Promise.all(workers.map((worker) => worker.send('startLoad', { callers: 50 })));

    const failover = killMaster();
    await Promise.all(workers.map((worker) => worker.send('invalidate', { token: shared })));
    const duringFailover = await Promise.all(workers.map((worker) => worker.burst(100)));
    await failover;
    expect(failuresOf(duringFailover)).toBe(0);
    expect(fleet.idp.tokenRequests).toBeLessThanOrEqual(1 + workers.length);

    await storesAnswer(workers);
    const requestsBefore = fleet.idp.tokenRequests;
    await Promise.all(duringFailover.map((result, index) => workers[index].send('invalidate', { token: result.tokens[0] })));
    const afterFailover = await Promise.all(workers.map((worker) => worker.burst(100)));
    expect(failuresOf(afterFailover)).toBe(0);
    expect(tokensOf(afterFailover).size).toBe(1);
    expect(fleet.idp.tokenRequests).toBe(requestsBefore + 1);

    const load = await Promise.all(workers.map((worker) => worker.send<{ calls: number; failed: number; errors: string[] }>('stopLoad')));
    expect(load.flatMap((result) => result.errors)).toEqual([]);
    expect(load.reduce((sum, result) => sum + result.failed, 0)).toBe(0);
    expect(load.every((result) => result.calls > 0)).toBe(true);
  }

  it('Redis Cluster (3 masters, 3 replicas): the master serving the token is killed under load; zero failed calls, sharing resumes', async () => {
    const cluster = await startRedisCluster({ masters: 3 });
    topologies.push(cluster);
    const workers = await fleet.startFleet(PROCESSES, 'failover-cluster:', { redis: { cluster: cluster.nodes } });
    const keyPrefix = 'failover-cluster:';
    await expectZeroFailedCallsThroughFailover(workers, async () => {
      // Every key of the client is in one slot (its {fingerprint} hash tag): kill the master serving it.
      const fingerprint = (await workers[0].send<{ cacheKey: string }>('cacheKey')).cacheKey;
      return cluster.killMasterOf(`${keyPrefix}{${fingerprint}}:token`);
    });
  }, 120_000);

  it('Sentinel (master, replica, sentinel): the master is killed under load; zero failed calls, sharing resumes', async () => {
    const sentinel = await startRedisSentinel();
    topologies.push(sentinel);
    const workers = await fleet.startFleet(PROCESSES, 'failover-sentinel:', {
      redis: { sentinels: sentinel.sentinels, name: sentinel.name },
    });
    await expectZeroFailedCallsThroughFailover(workers, () => sentinel.killMaster());
  }, 120_000);
});
