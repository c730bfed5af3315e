import { expect, it } from '@jest/globals';
import { failuresOf, tokensOf, useFleetEnvironment } from './support/fleet.js';
import { describeWithRedisServer } from './support/redis-server.js';

describeWithRedisServer('a fleet of Node processes sharing one redis-server and one oidc-provider', () => {
  const fleet = useFleetEnvironment();

  it('8 processes × 200 concurrent callers make exactly 1 token request; a 401 makes exactly 1 more fleet-wide', async () => {
    const workers = await fleet.startFleet(8, 'fleet-a:');
    fleet.idp.delayMs = 50;
    const cold = await Promise.all(workers.map((worker) => worker.burst(200)));
    expect(failuresOf(cold)).toBe(0);
    expect(cold.every((result) => result.ok === 200)).toBe(true);
    expect(fleet.idp.tokenRequests).toBe(1);
    expect(tokensOf(cold).size).toBe(1);
    const [first] = tokensOf(cold);

    // One process gets a 401 for the shared token: it drops it locally and in Redis, and fetches one new token.
    await workers[0].send('invalidate', { token: first });
    const afterRejection = await workers[0].burst(200);
    expect(fleet.idp.tokenRequests).toBe(2);
    expect(afterRejection.tokens).toHaveLength(1);
    const [second] = afterRejection.tokens;
    expect(second).not.toBe(first);

    // The rest of the fleet then sees the same 401 for the old token: they pick up the new one, no request.
    await Promise.all(workers.slice(1).map((worker) => worker.send('invalidate', { token: first })));
    const others = await Promise.all(workers.slice(1).map((worker) => worker.burst(200)));
    expect(failuresOf(others)).toBe(0);
    expect([...tokensOf(others)]).toEqual([second]);
    expect(fleet.idp.tokenRequests).toBe(2);

    // All 8 see a 401 for the current token at the same moment: still exactly one more request.
    await Promise.all(workers.map((worker) => worker.send('invalidate', { token: second })));
    const together = await Promise.all(workers.map((worker) => worker.burst(200)));
    expect(failuresOf(together)).toBe(0);
    expect(tokensOf(together).size).toBe(1);
    expect(tokensOf(together).has(second)).toBe(false);
    expect(fleet.idp.tokenRequests).toBe(3);
  });
});
