import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Logger } from '@nestjs/common';
import { Test, type TestingModule } from '@nestjs/testing';
import { inspect } from 'node:util';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { TokenClients, TokenClientsModule, TokenConfigError, type TokenModuleOptions } from '../lib/index.js';
import { TestIdp } from './support/test-idp.js';
import { waitUntil } from './support/wait-until.js';

const CLIENT = { clientId: 'test-client', clientSecret: 'test-secret-value-1234' };

setFlagsFromString('--expose-gc');
const collectGarbage = runInNewContext('gc') as () => void;

/** Live heap after full garbage collections. */
function heapAfterGc(): number {
  for (let i = 0; i < 3; i++) collectGarbage();
  return process.memoryUsage().heapUsed;
}

const activeTimers = () => process.getActiveResourcesInfo().filter((resource) => resource === 'Timeout').length;

describe('TokenClients: token clients created at runtime', () => {
  let idp: TestIdp;
  let moduleRef: TestingModule;
  let clients: TokenClients;
  const tenantOptions = (tenant: string): TokenModuleOptions => ({
    tokenUrl: idp.tokenUrl,
    ...CLIENT,
    extraParams: { tenant },
  });

  beforeAll(async () => {
    Logger.overrideLogger(false);
    // Opaque tokens: 2,000 tenant lifetimes here, and what is measured is the registry, not JWT signing.
    idp = await TestIdp.start({ format: 'opaque' });
    moduleRef = await Test.createTestingModule({ imports: [TokenClientsModule.forRoot({ maxClients: 50 })] }).compile();
    await moduleRef.init();
    clients = moduleRef.get(TokenClients);
  });
  afterAll(async () => {
    await moduleRef.close();
    await idp.stop();
    Logger.overrideLogger(['log', 'error', 'warn', 'debug', 'verbose']);
  });

  it('100 concurrent first calls for one tenant share one creation and one token request; neither the registry nor the manager prints a secret or the token', async () => {
    let created = 0;
    const factory = (tenant: string) => (created++, tenantOptions(tenant));
    const managers = await Promise.all(Array.from({ length: 100 }, () => clients.get('shared-creation', factory)));
    expect(created).toBe(1);
    expect(new Set(managers).size).toBe(1);
    idp.tokenRequests = 0;
    const tokens = await Promise.all(managers.map((manager) => manager.getAccessToken()));
    expect(new Set(tokens).size).toBe(1);
    expect(idp.tokenRequests).toBe(1);
    const printed = [inspect(clients, { depth: 10 }), inspect(managers[0], { depth: 10 }), JSON.stringify(managers[0])].join('\n');
    expect(printed).not.toContain(CLIENT.clientSecret);
    expect(printed).not.toContain(tokens[0]);
    await clients.evict('shared-creation');
  });

  it('invalid tenant options fail with a TokenConfigError naming the tenant key and the field, never the secret; the next call tries again', async () => {
    const bad = () => ({ tokenUrl: 'not a url', clientId: 'c', clientSecret: 'tenant-secret-never-shown' });
    const error = await clients.get('tenant-with-bad-options', bad).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(TokenConfigError);
    expect((error as Error).message).toContain('"tenant-with-bad-options"');
    expect((error as Error).message).toContain('tokenUrl');
    expect((error as Error).message).not.toContain('tenant-secret-never-shown');
    const manager = await clients.get('tenant-with-bad-options', tenantOptions);
    await expect(manager.getAccessToken()).resolves.toEqual(expect.any(String));
    await clients.evict('tenant-with-bad-options');
  });

  it('1,000 tenants used in turn with maxClients 50: at most 50 held, heap bounded the second time round, evicted tenants come back', async () => {
    const timersBefore = activeTimers();
    const useTenants = async () => {
      for (let tenant = 0; tenant < 1000; tenant++) {
        const manager = await clients.get(`tenant-${tenant}`, tenantOptions);
        await manager.getAccessToken();
        expect(clients.size).toBeLessThanOrEqual(50);
      }
    };
    const first = await clients.get('tenant-0', tenantOptions);
    await useTenants();
    const heapAfterFirst = heapAfterGc();
    await useTenants();
    const heapAfterSecond = heapAfterGc();
    const growthMiB = (heapAfterSecond - heapAfterFirst) / 1024 / 1024;
    process.stdout.write(`heap growth over the second 1,000 tenants: ${growthMiB.toFixed(2)} MiB\n`);
    expect(growthMiB).toBeLessThan(4);

    const again = await clients.get('tenant-0', tenantOptions);
    expect(again).not.toBe(first);
    const token = await again.getAccessToken();
    expect(typeof token).toBe('string');
    expect(clients.size).toBeLessThanOrEqual(50);

    await moduleRef.close();
    expect(clients.size).toBe(0);
    // Sockets closing after the last response may hold their own timers a moment; none of ours is left.
    await waitUntil(() => activeTimers() <= timersBefore);
    moduleRef = await Test.createTestingModule({ imports: [TokenClientsModule.forRoot({ maxClients: 50 })] }).compile();
    await moduleRef.init();
  }, 600_000);
});
