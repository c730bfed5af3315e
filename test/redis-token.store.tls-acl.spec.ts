import { afterAll, afterEach, beforeAll, expect, it } from '@jest/globals';
import { Test } from '@nestjs/testing';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TokenManagerService, TokenModule } from '../lib/index.js';
import { RedisTokenStore, type RedisTokenStoreOptions } from '../lib/redis/index.js';
import { describeWithRedisServer, RedisServer, testRedisClient } from './support/redis-server.js';
import { startRedisNode } from './support/redis-topologies.mjs';
import { generateTestCertificates } from './support/test-certificates.js';
import { TestIdp } from './support/test-idp.js';

const CLIENT = { clientId: 'tls-acl-client', clientSecret: 'tls-acl-secret-value-7890' };

describeWithRedisServer('RedisTokenStore over TLS and as an ACL user', () => {
  let idp: TestIdp;
  const apps: Array<{ close(): Promise<void> }> = [];

  /** Three instances on stores built from `redis`, each asking at the same instant: the token requests they make. */
  async function fleetOfThree(redis: RedisTokenStoreOptions['redis'], keyPrefix: string): Promise<number> {
    const managers = await Promise.all(
      [1, 2, 3].map(async () => {
        const store = new RedisTokenStore({ redis, keyPrefix, commandTimeoutMs: 2_000 });
        const moduleRef = await Test.createTestingModule({
          imports: [TokenModule.forRoot({ tokenUrl: idp.tokenUrl, ...CLIENT, store })],
        }).compile();
        moduleRef.useLogger(false);
        await moduleRef.init();
        apps.push(moduleRef);
        return moduleRef.get(TokenManagerService);
      }),
    );
    const before = idp.tokenRequests;
    idp.delayMs = 100;
    const tokens = await Promise.all(managers.map((manager) => manager.getAccessToken()));
    idp.delayMs = 0;
    expect(new Set(tokens).size).toBe(1);
    return idp.tokenRequests - before;
  }

  beforeAll(async () => {
    idp = await TestIdp.start({ clients: [CLIENT] });
  });
  afterEach(async () => {
    await Promise.all(apps.splice(0).map((app) => app.close()));
  });
  afterAll(async () => {
    await idp?.stop();
  });

  it('a TLS-only redis-server with a self-signed CA on loopback: the fleet shares one token over rediss', async () => {
    const certificates = generateTestCertificates('unused-client');
    const dir = mkdtempSync(join(tmpdir(), 'ncc-redis-tls-'));
    writeFileSync(join(dir, 'server.crt'), certificates.serverCert);
    writeFileSync(join(dir, 'server.key'), certificates.serverKey);
    writeFileSync(join(dir, 'ca.crt'), certificates.caCert);
    const server = await startRedisNode([
      '--tls-port',
      '{port}',
      '--tls-cert-file',
      join(dir, 'server.crt'),
      '--tls-key-file',
      join(dir, 'server.key'),
      '--tls-ca-cert-file',
      join(dir, 'ca.crt'),
      '--tls-auth-clients',
      'no',
    ]);
    try {
      expect(await fleetOfThree({ host: '127.0.0.1', port: server.port, tls: { ca: certificates.caCert } }, 'tls:')).toBe(1);
    } finally {
      await Promise.all(apps.splice(0).map((app) => app.close()));
      await server.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('ACL users limited to the key prefix share one token, with channel rights (notified) and without (polling)', async () => {
    const redis = await RedisServer.start();
    const admin = testRedisClient(redis.url);
    try {
      await admin.call(
        'ACL',
        'SETUSER',
        'fleet-notified',
        'on',
        '>notified-password',
        'resetkeys',
        '~acl-n:*',
        'resetchannels',
        '&acl-n:*',
        '+@all',
      );
      await admin.call('ACL', 'SETUSER', 'fleet-polling', 'on', '>polling-password', 'resetkeys', '~acl-p:*', 'resetchannels', '+@all');
      const user = (username: string, password: string) => ({ host: '127.0.0.1', port: redis.port, username, password });
      expect(await fleetOfThree(user('fleet-notified', 'notified-password'), 'acl-n:')).toBe(1);
      expect(await fleetOfThree(user('fleet-polling', 'polling-password'), 'acl-p:')).toBe(1);
      // The channel-less user's writes were refused nothing but the announcement: the token is stored.
      expect(await admin.keys('acl-p:*:token')).toHaveLength(1);
    } finally {
      await Promise.all(apps.splice(0).map((app) => app.close()));
      admin.disconnect();
      await redis.stop();
    }
  });
});
