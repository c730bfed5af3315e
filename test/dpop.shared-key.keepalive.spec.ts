import { afterEach, describe, expect, it } from '@jest/globals';
import type { Logger } from '@nestjs/common';
import { Test, type TestingModule } from '@nestjs/testing';
import { calculateJwkThumbprint } from 'jose';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { inspect } from 'node:util';
import {
  DEFAULT_SHARED_DPOP_KEY_TTL_MS,
  DpopService,
  MemoryTokenStore,
  TokenModule,
  type TokenModuleOptions,
  type TokenStore,
} from '../lib/index.js';
import { SharedDpopKeyKeepalive } from '../lib/dpop/shared-dpop-key-keepalive.js';
import { RedisTokenStore, type RedisTokenStoreOptions } from '../lib/redis/index.js';
import { TokenCipher } from '../lib/redis/token-cipher.js';
import { CapturingLogger } from './support/capturing-logger.js';
import { ManualClock } from './support/manual-clock.js';
import { describeWithRedisServer, RedisServer, useRedisServer } from './support/redis-server.js';

const CLIENT = { tokenUrl: 'https://idp.example.com/oauth2/token', clientId: 'keepalive-client', clientSecret: 'keepalive-secret-9876' };
const ENCRYPTION_KEY = randomBytes(32).toString('base64');
const QUARTER_TTL_MS = DEFAULT_SHARED_DPOP_KEY_TTL_MS / 4;

/** A Nest application with `dpop: true` on `store`, its DpopService and what it logged. */
interface Instance {
  moduleRef: TestingModule;
  dpop: DpopService;
  logger: CapturingLogger;
}

async function startInstance(store: TokenStore | undefined, options: Partial<TokenModuleOptions> = {}): Promise<Instance> {
  const logger = new CapturingLogger();
  const moduleRef = await Test.createTestingModule({
    imports: [TokenModule.forRoot({ ...CLIENT, ...(store ? { store } : {}), dpop: true, ...options })],
  })
    .setLogger(logger)
    .compile();
  await moduleRef.init();
  return { moduleRef, dpop: moduleRef.get(DpopService), logger };
}

/** RFC 7638 thumbprint of a private EC JWK's public part. */
const thumbprintOf = (jwk: Record<string, string>) => calculateJwkThumbprint({ kty: jwk.kty, crv: jwk.crv, x: jwk.x, y: jwk.y }, 'sha256');

/** Collects unhandled rejections while `run` runs, and a turn of the event loop after it. */
async function unhandledRejectionsDuring(run: () => Promise<void>): Promise<unknown[]> {
  const rejections: unknown[] = [];
  const listener = (reason: unknown) => rejections.push(reason);
  process.on('unhandledRejection', listener);
  try {
    await run();
    await new Promise((resolve) => setImmediate(resolve));
  } finally {
    process.off('unhandledRejection', listener);
  }
  return rejections;
}

describe('SharedDpopKeyKeepalive: the schedule and the rules, with a scheduler the test fires by hand', () => {
  const jwk = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ format: 'jwk' }) as Record<string, string>;
  const jwkJson = JSON.stringify(jwk);

  /** A keep-alive over `claim`, whose timers are only recorded; `fire()` runs the pending one. */
  function keepaliveWith(claim: (key: string, candidate: string, ttlMs: number) => Promise<string | undefined>, random = () => 0.5) {
    const logger = new CapturingLogger();
    const pending: Array<{ run: () => void; ms: number; cancelled: boolean }> = [];
    const keepalive = new SharedDpopKeyKeepalive({
      claimSharedSecret: claim,
      storeKey: 'store-key',
      jwkJson,
      thumbprint: 'public-thumbprint',
      ttlMs: DEFAULT_SHARED_DPOP_KEY_TTL_MS,
      timeoutMs: 1_000,
      // Only warn() is used: a capturing sink stands in for the Nest logger.
      logger: logger as unknown as Logger,
      schedule: (run, ms) => {
        const timer = { run, ms, cancelled: false };
        pending.push(timer);
        return () => {
          timer.cancelled = true;
        };
      },
      random,
    });
    const fire = async () => {
      const timer = pending.at(-1)!;
      expect(timer.cancelled).toBe(false);
      timer.run();
      // Let the refresh settle and the next one be scheduled.
      for (let turn = 0; turn < 5; turn++) await new Promise((resolve) => setImmediate(resolve));
    };
    return { keepalive, pending, fire, logger };
  }

  it('refreshes every quarter of the TTL with ±10 % jitter, offering its own key with the full TTL, and reschedules after each refresh', async () => {
    const offers: unknown[][] = [];
    const { keepalive, pending, fire } = keepaliveWith(
      async (...args) => {
        offers.push(args);
        return jwkJson;
      },
      () => 0,
    );
    expect(keepalive.scheduled).toBe(false);
    keepalive.start();
    keepalive.start();
    expect(pending.map((timer) => timer.ms)).toEqual([QUARTER_TTL_MS * 0.9]);
    expect(offers).toEqual([]);
    await fire();
    expect(offers).toEqual([['store-key', jwkJson, DEFAULT_SHARED_DPOP_KEY_TTL_MS]]);
    expect(pending).toHaveLength(2);
    expect(keepalive.scheduled).toBe(true);

    const late = keepaliveWith(
      async () => jwkJson,
      () => 0.999_999,
    );
    late.keepalive.start();
    expect(late.pending[0].ms).toBe(Math.round(QUARTER_TTL_MS * (0.9 + 0.2 * 0.999_999)));
    late.keepalive.stop();
  });

  it('stop() cancels the pending timer, and no refresh asks the store afterwards', async () => {
    let offers = 0;
    const { keepalive, pending } = keepaliveWith(async () => {
      offers += 1;
      return jwkJson;
    });
    keepalive.start();
    keepalive.stop();
    expect(pending[0].cancelled).toBe(true);
    expect(keepalive.scheduled).toBe(false);
    expect(await keepalive.refresh()).toBe('stopped');
    keepalive.start();
    expect(pending).toHaveLength(1);
    expect(offers).toBe(0);
  });

  it('a failing store: the timer path neither throws nor rejects unhandled, warns rate-limited without key material, and keeps scheduling', async () => {
    const { keepalive, pending, fire, logger } = keepaliveWith(async (_key, candidate) => {
      throw new Error(`store exploded on ${candidate} (d=${jwk.d})`);
    });
    const rejections = await unhandledRejectionsDuring(async () => {
      keepalive.start();
      await fire();
      await fire();
    });
    expect(rejections).toEqual([]);
    expect(pending).toHaveLength(3);
    const warnings = logger.lines.filter((line) => line.startsWith('warn'));
    expect(warnings).toEqual([
      expect.stringMatching(
        /could not keep the shared key alive in the token store \(Error: store exploded on \[redacted\] \(d=\[redacted\]\)\)/,
      ),
    ]);
    expect(logger.lines.join('\n')).not.toContain(jwk.d);
    for (const rendering of [inspect(keepalive, { depth: 10, showHidden: true }), JSON.stringify(keepalive)])
      expect(rendering).not.toContain(jwk.d);
    keepalive.stop();
  });

  it('another key in the store (or one unreadable here): kept own key, one warning naming only the public thumbprint', async () => {
    const other = JSON.stringify(generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ format: 'jwk' }));
    const answers = [other, undefined, other];
    const { keepalive, logger } = keepaliveWith(async () => answers.shift());
    expect([await keepalive.refresh(), await keepalive.refresh(), await keepalive.refresh()]).toEqual(['other', 'other', 'other']);
    expect(logger.lines.filter((line) => line.startsWith('warn'))).toEqual([
      expect.stringMatching(/holds another shared key .*keeps its key \(thumbprint public-thumbprint\) until it restarts/),
    ]);
    expect(logger.lines.join('\n')).not.toContain(jwk.d);
  });
});

describe('the shared key kept alive through a MemoryTokenStore', () => {
  const started: TestingModule[] = [];
  afterEach(async () => {
    await Promise.all(started.splice(0).map((moduleRef) => moduleRef.close()));
  });
  const start = async (store: TokenStore | undefined, options: Partial<TokenModuleOptions> = {}) => {
    const instance = await startInstance(store, options);
    started.push(instance.moduleRef);
    return instance;
  };

  it('expired from the store, A puts its key back, and B started afterwards adopts it; without that refresh B would get another key', async () => {
    const clock = new ManualClock();
    const store = new MemoryTokenStore(clock.now);
    const a = await start(store);
    expect(a.dpop.sharedKeyRefreshScheduled).toBe(true);

    clock.advanceMs(DEFAULT_SHARED_DPOP_KEY_TTL_MS + 1);
    expect(await a.dpop.refreshSharedKey()).toBe('held');
    const b = await start(store);
    expect(b.dpop.thumbprint).toBe(a.dpop.thumbprint);

    // The control: the key expires again and nobody re-offers it, so the next process generates another.
    clock.advanceMs(DEFAULT_SHARED_DPOP_KEY_TTL_MS + 1);
    const c = await start(store);
    expect(c.dpop.thumbprint).not.toBe(a.dpop.thumbprint);

    // Now the store holds C's key: A keeps its own, and C's stays stored.
    expect(await a.dpop.refreshSharedKey()).toBe('other');
    expect((await start(store)).dpop.thumbprint).toBe(c.dpop.thumbprint);
    expect(a.dpop.status()).toMatchObject({ mode: 'ephemeral', shared: true, thumbprint: a.dpop.thumbprint });
  });

  it('a refresh within the TTL extends it: the key outlives its first 24 h while refreshed', async () => {
    const clock = new ManualClock();
    const store = new MemoryTokenStore(clock.now);
    const a = await start(store);
    for (let quarter = 0; quarter < 8; quarter++) {
      clock.advanceMs(QUARTER_TTL_MS);
      expect(await a.dpop.refreshSharedKey()).toBe('held');
    }
    clock.advanceMs(QUARTER_TTL_MS);
    expect((await start(store)).dpop.thumbprint).toBe(a.dpop.thumbprint);
  });

  it('only the shared key is kept alive: a configured key, no store, or a fallback key have no keep-alive', async () => {
    const privateKey = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ format: 'jwk' });
    const failing = Object.assign(new MemoryTokenStore(), { claimSharedSecret: () => Promise.reject(new Error('down')) });
    const instances = await Promise.all([start(new MemoryTokenStore(), { dpop: { privateKey } }), start(undefined), start(failing)]);
    for (const { dpop } of instances) {
      expect(dpop.sharedKeyRefreshScheduled).toBe(false);
      expect(await dpop.refreshSharedKey()).toBeUndefined();
    }
  });

  it('after the module closes, the timer is cleared and a refresh no longer touches the store', async () => {
    const clock = new ManualClock();
    const store = new MemoryTokenStore(clock.now);
    const a = await startInstance(store);
    await a.moduleRef.close();
    expect(a.dpop.sharedKeyRefreshScheduled).toBe(false);
    clock.advanceMs(DEFAULT_SHARED_DPOP_KEY_TTL_MS + 1);
    expect(await a.dpop.refreshSharedKey()).toBe('stopped');
    expect((await start(store)).dpop.thumbprint).not.toBe(a.dpop.thumbprint);
  });
});

describeWithRedisServer('the shared key kept alive through a real redis-server', () => {
  const suite = useRedisServer();
  const { started } = suite;

  const start = async (keyPrefix: string, storeOptions: Partial<RedisTokenStoreOptions> = {}) => {
    const store = new RedisTokenStore({ redis: suite.redis.url, keyPrefix, encryptionKey: ENCRYPTION_KEY, ...storeOptions });
    const instance = await startInstance(store);
    started.push(instance.moduleRef);
    return { ...instance, store };
  };

  /** The one shared-secret entry under `prefix`: its name, raw value, opened JWK and remaining life. */
  async function stored(prefix: string) {
    const names = await suite.admin.keys(`${prefix}*:shared-secret`);
    expect(names).toHaveLength(1);
    const name = names[0];
    const value = (await suite.admin.get(name))!;
    const jwk = JSON.parse(new TokenCipher([ENCRYPTION_KEY]).open(value, name)!) as Record<string, string>;
    return { name, value, jwk, pttl: await suite.admin.pttl(name) };
  }

  it('deleted from Redis, A stores its key again and B started afterwards adopts it; a refresh extends a shortened TTL', async () => {
    const a = await start('alive:');
    const { name, jwk } = await stored('alive:');
    expect(await thumbprintOf(jwk)).toBe(a.dpop.thumbprint);

    await suite.admin.pexpire(name, 60_000);
    expect(await a.dpop.refreshSharedKey()).toBe('held');
    expect((await stored('alive:')).pttl).toBeGreaterThan(DEFAULT_SHARED_DPOP_KEY_TTL_MS - 60_000);

    await suite.admin.del(name);
    expect(await a.dpop.refreshSharedKey()).toBe('held');
    const restored = await stored('alive:');
    expect(await thumbprintOf(restored.jwk)).toBe(a.dpop.thumbprint);
    expect(restored.pttl).toBeGreaterThan(DEFAULT_SHARED_DPOP_KEY_TTL_MS - 60_000);
    const b = await start('alive:');
    expect(b.dpop.thumbprint).toBe(a.dpop.thumbprint);

    const renderings = [a, b].flatMap(({ dpop, store, logger }) => [
      inspect(dpop, { depth: 10, showHidden: true }),
      JSON.stringify(dpop),
      inspect(store, { depth: 10, showHidden: true }),
      JSON.stringify(store),
      ...logger.lines,
    ]);
    expect(renderings.join('\n')).not.toContain(jwk.d);
  });

  it('another key stored meanwhile: A keeps its thumbprint and the stored key is not overwritten', async () => {
    const a = await start('rotated:');
    const { name } = await stored('rotated:');
    await suite.admin.del(name);
    // Without A's refresh, the next process generates another key: the gap the keep-alive closes.
    const b = await start('rotated:');
    expect(b.dpop.thumbprint).not.toBe(a.dpop.thumbprint);
    const before = await stored('rotated:');

    expect(await a.dpop.refreshSharedKey()).toBe('other');
    expect(await a.dpop.refreshSharedKey()).toBe('other');
    const after = await stored('rotated:');
    expect(after.value).toBe(before.value);
    expect(await thumbprintOf(after.jwk)).toBe(b.dpop.thumbprint);
    expect(a.dpop.thumbprint).not.toBe(b.dpop.thumbprint);
    await expect(a.dpop.proofFor('GET', 'https://api.example.com/orders')).resolves.toEqual(expect.any(String));
    // The Nest logger is process-wide: the last application started (B) captures what A logs.
    const lines = [...a.logger.lines, ...b.logger.lines];
    expect(lines.filter((line) => line.includes('holds another shared key'))).toEqual([
      expect.stringContaining(`keeps its key (thumbprint ${a.dpop.thumbprint}) until it restarts`),
    ]);
    expect(lines.join('\n')).not.toContain(after.jwk.d);
  });

  it('Redis down during a refresh: no throw, no unhandled rejection, one warning without key material, A keeps signing', async () => {
    const own = await RedisServer.start();
    try {
      const store = new RedisTokenStore({ redis: own.url, keyPrefix: 'down:', encryptionKey: ENCRYPTION_KEY, commandTimeoutMs: 300 });
      const a = await startInstance(store);
      started.push(a.moduleRef);
      expect(a.dpop.sharedKeyRefreshScheduled).toBe(true);
      await own.stop();
      let outcomes: unknown[] = [];
      const rejections = await unhandledRejectionsDuring(async () => {
        outcomes = [await a.dpop.refreshSharedKey(), await a.dpop.refreshSharedKey()];
      });
      expect(rejections).toEqual([]);
      expect(outcomes).toEqual(['failed', 'failed']);
      const warnings = a.logger.lines.filter((line) => line.includes('could not keep the shared key alive'));
      expect(warnings).toHaveLength(1);
      expect(warnings[0]).toMatch(/^warn DPoP: could not keep the shared key alive in the token store \(.+\); this process keeps using it/);
      expect(a.logger.lines.join('\n')).not.toMatch(/"d"|"kty"/);
      expect(a.dpop.sharedKeyRefreshScheduled).toBe(true);
      await expect(a.dpop.proofFor('GET', 'https://api.example.com/orders')).resolves.toEqual(expect.any(String));
    } finally {
      await own.stop().catch(() => undefined);
    }
  });
});
