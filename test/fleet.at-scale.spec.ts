import { afterAll, beforeAll, expect, it } from '@jest/globals';
import { failuresOf, type FleetWorker, tokensOf, useFleetEnvironment, waitUntil } from './support/fleet.js';
import { describeWithRedisServer } from './support/redis-server.js';
import { startRedisCluster, type TestRedisCluster } from './support/redis-topologies.mjs';

const PROCESSES = 24;
const CALLERS = 50;
/**
 * Deadlines wide enough for 24 processes on a shared 2-core machine: past a deadline an instance fetches
 * its own token by design (a slow store must not hold callers), which is not what this suite measures.
 */
const PATIENT = { commandTimeoutMs: 5_000, tokenOptions: { storeWaitMs: 30_000, requestTimeoutMs: 20_000 } };

describeWithRedisServer(`a fleet of ${PROCESSES} processes on one redis-server and on a 3-master/3-replica Redis Cluster`, () => {
  const fleet = useFleetEnvironment();
  let cluster: TestRedisCluster | undefined;

  beforeAll(async () => {
    cluster = await startRedisCluster({ masters: 3 });
  }, 60_000);
  afterAll(async () => {
    await cluster?.stop();
  });

  /** Every instance's callers at the same instant; then the same after one 401 seen fleet-wide. */
  async function expectOneTokenRequestPerLifetime(workers: FleetWorker[]): Promise<void> {
    // A process whose store is still connecting fetches its own token (by design): start from a fleet up and running.
    await waitUntil(async () =>
      (await Promise.all(workers.map((worker) => worker.send<{ status: string }>('storeStatus')))).every(
        ({ status }) => status === 'ready',
      ),
    );
    fleet.idp.delayMs = 50;
    const cold = await Promise.all(workers.map((worker) => worker.burst(CALLERS)));
    expect(failuresOf(cold)).toBe(0);
    expect(cold.every((result) => result.ok === CALLERS)).toBe(true);
    expect(tokensOf(cold).size).toBe(1);
    expect(fleet.idp.tokenRequests).toBe(1);

    // Every instance sees a 401 for the shared token at the same moment: exactly one more request.
    const [first] = tokensOf(cold);
    await Promise.all(workers.map((worker) => worker.send('invalidate', { token: first })));
    const renewed = await Promise.all(workers.map((worker) => worker.burst(CALLERS)));
    expect(failuresOf(renewed)).toBe(0);
    expect(tokensOf(renewed).size).toBe(1);
    expect(tokensOf(renewed).has(first)).toBe(false);
    expect(fleet.idp.tokenRequests).toBe(2);
  }

  it(`${PROCESSES} processes × ${CALLERS} callers on a single redis-server make exactly 1 token request per lifetime`, async () => {
    await expectOneTokenRequestPerLifetime(await fleet.startFleet(PROCESSES, 'scale-single:', PATIENT));
  }, 120_000);

  it(`${PROCESSES} processes × ${CALLERS} callers on a Redis Cluster make exactly 1 token request per lifetime`, async () => {
    await expectOneTokenRequestPerLifetime(
      await fleet.startFleet(PROCESSES, 'scale-cluster:', { ...PATIENT, redis: { cluster: cluster!.nodes } }),
    );
  }, 120_000);
});
