import { afterAll, afterEach, beforeAll, expect, it, jest } from '@jest/globals';
import { Test } from '@nestjs/testing';
import type { LoggerService } from '@nestjs/common';
import { Redis } from 'ioredis';
import { randomBytes } from 'node:crypto';
import { createServer, type Socket } from 'node:net';
import { inspect } from 'node:util';
import { TokenConfigError, TokenManagerService, TokenModule, type TokenModuleOptions, TokenStoreError } from '../lib/index.js';
import { RedisTokenStore } from '../lib/redis/index.js';
import { freePort, listenOnLoopback } from './support/loopback.js';
import { describeWithRedisServer, RedisServer, testRedisClient } from './support/redis-server.js';
import { TestIdp } from './support/test-idp.js';
import { CapturingLogger } from './support/capturing-logger.js';
import { ManualClock } from './support/manual-clock.js';

const CLIENT = { clientId: 'store-client-id', clientSecret: 'store-secret-value-9012' };

/** Every dot-separated part of a stored value, base64-decoded: where a token in clear would show. */
const decodedParts = (value: string) =>
  value
    .split('.')
    .map((part) => Buffer.from(part, 'base64').toString('utf8'))
    .join('\n');

describeWithRedisServer('RedisTokenStore against a real redis-server', () => {
  let idp: TestIdp;
  let redis: RedisServer;
  let admin: Redis;
  const apps: Array<{ close(): Promise<void> }> = [];

  /** A Nest application with TokenModule on the given store; its logs go to `logger`. */
  async function startInstance(store: RedisTokenStore, extra: Partial<TokenModuleOptions> = {}, logger: LoggerService | false = false) {
    const moduleRef = await Test.createTestingModule({
      imports: [TokenModule.forRoot({ tokenUrl: idp.tokenUrl, ...CLIENT, store, ...extra })],
    }).compile();
    moduleRef.useLogger(logger);
    await moduleRef.init();
    apps.push(moduleRef);
    return moduleRef.get(TokenManagerService);
  }

  /** Every key and value the store wrote under `prefix`. */
  async function dump(prefix: string): Promise<Array<[string, string]>> {
    const keys = await admin.keys(`${prefix}*`);
    return Promise.all(keys.map(async (key) => [key, (await admin.get(key)) ?? ''] as [string, string]));
  }

  beforeAll(async () => {
    [idp, redis] = await Promise.all([TestIdp.start({ clients: [CLIENT] }), RedisServer.start()]);
    admin = testRedisClient(redis.url);
  });
  afterEach(async () => {
    await Promise.all(apps.splice(0).map((app) => app.close()));
    idp.tokenRequests = 0;
  });
  afterAll(async () => {
    admin?.disconnect();
    await Promise.all([idp?.stop(), redis?.stop()]);
  });

  it('with an encryption key, nothing in Redis contains the token, and key names hold a hash, not the client id', async () => {
    const key = randomBytes(32);
    const manager = await startInstance(new RedisTokenStore({ redis: redis.url, keyPrefix: 'enc:', encryptionKey: key }));
    const token = await manager.getAccessToken();
    const entries = await dump('enc:');
    expect(entries).toHaveLength(1);
    const [[name, value]] = entries as [[string, string]];
    expect(name).toMatch(/^enc:\{[0-9a-f]{64}\}:token$/);
    for (const secret of [token, ...token.split('.'), CLIENT.clientId, CLIENT.clientSecret]) {
      expect(name).not.toContain(secret);
      expect(value).not.toContain(secret);
      expect(decodedParts(value)).not.toContain(secret);
    }

    // A second instance with the same key reads it back: no second token request.
    const sibling = await startInstance(
      new RedisTokenStore({ redis: redis.url, keyPrefix: 'enc:', encryptionKey: key.toString('base64') }),
    );
    expect(await sibling.getAccessToken()).toBe(token);
    expect(idp.tokenRequests).toBe(1);
  });

  it('without an encryption key the value holds the token in clear (what the key protects against)', async () => {
    const manager = await startInstance(new RedisTokenStore({ redis: redis.url, keyPrefix: 'clear:' }));
    const token = await manager.getAccessToken();
    const [[, value]] = (await dump('clear:')) as [[string, string]];
    expect(decodedParts(value)).toContain(token);
  });

  it('a token encrypted with another key is a miss, not a crash: the instance fetches and shares a new one', async () => {
    const logger = new CapturingLogger();
    await (
      await startInstance(new RedisTokenStore({ redis: redis.url, keyPrefix: 'wrong:', encryptionKey: randomBytes(32) }))
    ).getAccessToken();
    const other = await startInstance(
      new RedisTokenStore({ redis: redis.url, keyPrefix: 'wrong:', encryptionKey: randomBytes(32) }),
      {},
      logger,
    );
    const token = await other.getAccessToken();
    expect(token).toMatch(/^eyJ/);
    expect(idp.tokenRequests).toBe(2);
    expect(logger.lines.some((line) => line.includes('could not be read'))).toBe(true);
  });

  it('key rotation: an instance with [new, old] keys reads tokens sealed with the old key, and writes with the new', async () => {
    const oldKey = randomBytes(32);
    const newKey = randomBytes(32);
    const before = await startInstance(new RedisTokenStore({ redis: redis.url, keyPrefix: 'rot:', encryptionKey: oldKey }));
    const token = await before.getAccessToken();
    const rotated = await startInstance(new RedisTokenStore({ redis: redis.url, keyPrefix: 'rot:', encryptionKey: [newKey, oldKey] }));
    expect(await rotated.getAccessToken()).toBe(token);
    expect(idp.tokenRequests).toBe(1);

    // After a refresh by the rotated instance, an instance with only the new key reads the shared token.
    rotated.invalidate(token);
    const refreshed = await rotated.getAccessToken();
    const after = await startInstance(new RedisTokenStore({ redis: redis.url, keyPrefix: 'rot:', encryptionKey: newKey }));
    expect(await after.getAccessToken()).toBe(refreshed);
    expect(idp.tokenRequests).toBe(2);
  });

  it('the shared token is stored with the token’s own expiry as its TTL, so an idle fleet never reads a dead token', async () => {
    // A 15-minute token, so the TTL cannot be any default: it can only come from the token.
    const shortLived = await TestIdp.start({ clients: [CLIENT], ttlSeconds: 900 });
    try {
      const clock = new ManualClock();
      const manager = await startInstance(new RedisTokenStore({ redis: redis.url, keyPrefix: 'ttl:' }), {
        tokenUrl: shortLived.tokenUrl,
        clock: clock.now,
      });
      await manager.getAccessToken();
      expect(manager.getTokenInfo()!.expiresAt.getTime() - clock.now()).toBe(900_000);
      const [[name]] = (await dump('ttl:')) as [[string, string]];
      const ttlMs = await admin.pttl(name);
      // Redis counts down in real time from the moment it stored the key.
      expect(ttlMs).toBeLessThanOrEqual(900_000);
      expect(ttlMs).toBeGreaterThan(900_000 - 30_000);
    } finally {
      await shortLived.stop();
    }
  });

  it('Redis that stops answering (CLIENT PAUSE): calls time out quickly and the manager fetches the token itself', async () => {
    const manager = await startInstance(new RedisTokenStore({ redis: redis.url, keyPrefix: 'slow:', commandTimeoutMs: 100 }));
    await manager.getAccessToken();
    const pauser = testRedisClient(redis.url);
    await pauser.client('PAUSE', 1_500, 'ALL');
    try {
      manager.invalidate(await manager.getAccessToken());
      const tokens = await Promise.all(Array.from({ length: 50 }, () => manager.getAccessToken()));
      expect(new Set(tokens).size).toBe(1);
      expect(idp.tokenRequests).toBe(2);
    } finally {
      pauser.disconnect();
    }
  });

  it('nothing listening on the Redis port: every call succeeds, connection errors are logged rate-limited, never thrown', async () => {
    const logger = new CapturingLogger();
    // Gives up after 10 attempts, so it leaves no reconnect timer behind.
    const client = new Redis({
      port: await freePort(),
      host: '127.0.0.1',
      enableOfflineQueue: false,
      retryStrategy: (attempt) => (attempt <= 10 ? 20 : null),
    });
    let errorEvents = 0;
    client.on('error', () => (errorEvents += 1));
    const manager = await startInstance(new RedisTokenStore({ redis: client, keyPrefix: 'down:' }), {}, logger);
    const tokens = await Promise.all(Array.from({ length: 100 }, () => manager.getAccessToken()));
    expect(new Set(tokens).size).toBe(1);
    expect(idp.tokenRequests).toBe(1);
    await new Promise<void>((resolve) => {
      const check = setInterval(() => errorEvents >= 5 && (clearInterval(check), resolve()), 10);
    });
    expect(logger.lines.filter((line) => line.includes('Redis connection error'))).toHaveLength(1);
    if (client.status !== 'end') await new Promise((resolve) => client.once('end', resolve));
  });

  it('inspecting or serialising the store shows neither the Redis password nor the encryption key', () => {
    const encryptionKey = randomBytes(32).toString('base64');
    const store = new RedisTokenStore({
      redis: { host: '127.0.0.1', port: redis.port, password: 'redis-password-xyz', lazyConnect: true },
      encryptionKey,
    });
    const renderings = `${inspect(store, { depth: 10, showHidden: true })}\n${JSON.stringify(store)}`;
    expect(renderings).toContain('encrypted: true');
    expect(renderings).not.toContain('redis-password-xyz');
    expect(renderings).not.toContain(encryptionKey);
    return store.close();
  });

  it('a store closed while Redis never answers its connection handshake leaves no "[ioredis] Unhandled error event" behind', async () => {
    // Accepts connections and never answers: the handshake's ready check times out after the close.
    const sockets = new Set<Socket>();
    const silent = createServer((socket) => sockets.add(socket));
    const port = await listenOnLoopback(silent);
    const printed = jest.spyOn(console, 'error').mockImplementation(() => undefined);
    try {
      // A long disconnectTimeout keeps the half-closed socket open past the ready check's timeout.
      const store = new RedisTokenStore({ redis: { host: '127.0.0.1', port, disconnectTimeout: 5_000 }, commandTimeoutMs: 100 });
      await expect(store.get('key')).rejects.toBeInstanceOf(TokenStoreError);
      await store.close();
      await new Promise((resolve) => setTimeout(resolve, 600));
      expect(printed.mock.calls.map((call) => call.map(String).join(' ')).filter((line) => line.includes('[ioredis]'))).toEqual([]);
    } finally {
      printed.mockRestore();
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => silent.close(resolve));
    }
  });

  it('invalid options fail with one TokenConfigError naming each field, never a key value', () => {
    const shortKey = randomBytes(16).toString('base64');
    let error: unknown;
    try {
      new RedisTokenStore({ redis: 42 as never, commandTimeoutMs: 0, encryptionKey: [randomBytes(32), shortKey] });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(TokenConfigError);
    expect((error as TokenConfigError).problems.map((problem) => problem.field)).toEqual(['redis', 'commandTimeoutMs', 'encryptionKey']);
    expect((error as TokenConfigError).message).toContain('encryption key 1 is 16 bytes');
    expect((error as TokenConfigError).message).not.toContain(shortKey);
  });
});
