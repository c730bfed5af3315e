import { expect, it } from '@jest/globals';
import { decodeJwt } from 'jose';
import { FLEET_CLIENT, failuresOf, tokensOf, useFleetEnvironment } from './support/fleet.js';
import { describeWithRedisServer } from './support/redis-server.js';

const PARAMETER_SETS = [
  { resource: 'https://orders.example.test/' },
  { resource: 'https://billing.example.test/', scope: 'api:read' },
  { resource: 'https://billing.example.test/', scope: 'api:read', extraParams: { tenant: 'acme' } },
];

describeWithRedisServer('a fleet sharing tokens for per-request parameters through redis-server', () => {
  const fleet = useFleetEnvironment({ clients: [FLEET_CLIENT], audienceFromResource: true });

  it('2 processes × 3 parameter sets × 100 concurrent callers make exactly one token request per parameter set', async () => {
    const workers = await fleet.startFleet(2, 'fleet-parameters:');
    fleet.idp.delayMs = 50;
    const bursts = await Promise.all(
      PARAMETER_SETS.map((parameters) => Promise.all(workers.map((worker) => worker.burst(100, parameters)))),
    );
    expect(bursts.map(failuresOf)).toEqual([0, 0, 0]);
    expect(fleet.idp.tokenRequests).toBe(3);
    const tokens = bursts.map((results) => tokensOf(results));
    expect(tokens.map((set) => set.size)).toEqual([1, 1, 1]);
    const [orders, billing, billingForTenant] = tokens.map((set) => [...set][0]);
    expect(new Set([orders, billing, billingForTenant]).size).toBe(3);
    expect(decodeJwt(orders).aud).toBe('https://orders.example.test/');
    expect(decodeJwt(billing).aud).toBe('https://billing.example.test/');

    // The registration's own token is another key again: one more request, fleet-wide.
    const plain = await Promise.all(workers.map((worker) => worker.burst(100)));
    expect(failuresOf(plain)).toBe(0);
    expect(tokensOf(plain).size).toBe(1);
    expect(fleet.idp.tokenRequests).toBe(4);
  });
});
