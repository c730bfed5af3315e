import { expect, it } from '@jest/globals';
import { Test, type TestingModule } from '@nestjs/testing';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { inspect } from 'node:util';
import { DEFAULT_SHARED_DPOP_KEY_TTL_MS, DpopService, TokenModule, type TokenModuleOptions } from '../lib/index.js';
import { RedisTokenStore, type RedisTokenStoreOptions } from '../lib/redis/index.js';
import { TokenCipher } from '../lib/redis/token-cipher.js';
import { RESOLVED_TOKEN_OPTIONS } from '../lib/core/injection-tokens.js';
import { CapturingLogger } from './support/capturing-logger.js';
import { freePort, SilentServer } from './support/loopback.js';
import { describeWithRedisServer, useRedisServer } from './support/redis-server.js';

const CLIENT = { tokenUrl: 'https://idp.example.com/oauth2/token', clientId: 'shared-key-client', clientSecret: 'shared-key-secret-4321' };
const KEY = randomBytes(32).toString('base64');

/** Every dot-separated part of a stored value, base64-decoded: where key material in clear would show. */
const decodedParts = (value: string) =>
  value
    .split('.')
    .map((part) => Buffer.from(part, 'base64').toString('utf8'))
    .join('\n');

/** A Nest application with `dpop: true` on its own RedisTokenStore, and what it logged while starting. */
interface Instance {
  moduleRef: TestingModule;
  dpop: DpopService;
  store: RedisTokenStore;
  logger: CapturingLogger;
}

describeWithRedisServer('a generated DPoP key shared through a real redis-server', () => {
  const suite = useRedisServer();
  const { started } = suite;

  async function startInstance(
    storeOptions: Partial<RedisTokenStoreOptions>,
    options: Partial<TokenModuleOptions> = {},
  ): Promise<Instance> {
    const logger = new CapturingLogger();
    // A generous deadline: on a loaded machine the default 500 ms can pass, and the instance then (rightly) keeps a key of its own.
    const store = new RedisTokenStore({ redis: suite.redis.url, commandTimeoutMs: 10_000, ...storeOptions });
    const moduleRef = await Test.createTestingModule({ imports: [TokenModule.forRoot({ ...CLIENT, store, dpop: true, ...options })] })
      .setLogger(logger)
      .compile();
    started.push(moduleRef);
    return { moduleRef, dpop: moduleRef.get(DpopService), store, logger };
  }

  /** The one shared-secret key under `prefix`, its raw value and the private JWK it seals. */
  async function storedKey(prefix: string, encryptionKey?: string): Promise<{ name: string; value: string; jwk: Record<string, string> }> {
    const names = await suite.admin.keys(`${prefix}*:shared-secret`);
    expect(names).toHaveLength(1);
    const value = (await suite.admin.get(names[0]))!;
    const opened = new TokenCipher(encryptionKey === undefined ? [] : [encryptionKey]).open(value, names[0]);
    return { name: names[0], value, jwk: JSON.parse(opened!) as Record<string, string> };
  }

  it('instances adopt one key, sealed at rest (no "d", no "kty" in the value) for 24 h, extended by each adoption; nothing shows the private key', async () => {
    const [first, second] = await Promise.all([
      startInstance({ keyPrefix: 'share:', encryptionKey: KEY }),
      startInstance({ keyPrefix: 'share:', encryptionKey: KEY }),
    ]);
    expect(first.dpop.thumbprint).toBe(second.dpop.thumbprint);
    expect(first.dpop.status()).toMatchObject({ mode: 'ephemeral', shared: true, alg: 'ES256' });

    const { name, value, jwk } = await storedKey('share:', KEY);
    expect(name).not.toContain(CLIENT.clientId);
    for (const rendering of [value, decodedParts(value)]) {
      expect(rendering).not.toContain('"d"');
      // Quoted: the sealed value is base64, where the three letters alone turn up by chance (about one run in a thousand).
      expect(rendering).not.toContain('"kty"');
      expect(rendering).not.toContain(jwk.d);
    }
    expect(await suite.admin.pttl(name)).toBeGreaterThan(DEFAULT_SHARED_DPOP_KEY_TTL_MS - 60_000);
    expect(DEFAULT_SHARED_DPOP_KEY_TTL_MS).toBeGreaterThanOrEqual(24 * 60 * 60 * 1000);

    await suite.admin.pexpire(name, 60_000);
    const third = await startInstance({ keyPrefix: 'share:', encryptionKey: KEY });
    expect(third.dpop.thumbprint).toBe(first.dpop.thumbprint);
    expect(await suite.admin.pttl(name)).toBeGreaterThan(DEFAULT_SHARED_DPOP_KEY_TTL_MS - 60_000);

    const renderings = [first, second, third].flatMap(({ moduleRef, dpop, store, logger }) => {
      const resolved = moduleRef.get(RESOLVED_TOKEN_OPTIONS);
      return [
        inspect(dpop, { depth: 10, showHidden: true }),
        JSON.stringify(dpop),
        inspect(store, { depth: 10, showHidden: true }),
        JSON.stringify(store),
        inspect(resolved, { depth: 10, showHidden: true }),
        JSON.stringify(resolved),
        ...logger.lines,
      ];
    });
    expect(renderings.join('\n')).toContain(first.dpop.thumbprint);
    expect(renderings.join('\n')).not.toContain(jwk.d);
    // The Nest logger is process-wide: concurrent startups may log into either capture.
    expect(renderings.filter((line) => line.includes('DPoP on'))).toEqual(
      Array.from(
        { length: 3 },
        () => `log DPoP on: ephemeral (shared through the token store) ES256 key, thumbprint ${first.dpop.thumbprint} TokenManager`,
      ),
    );
  });

  it('an instance with another encryption key cannot read the shared key: a key of its own, one warning, no crash', async () => {
    const owner = await startInstance({ keyPrefix: 'other-key:', encryptionKey: KEY });
    const { jwk } = await storedKey('other-key:', KEY);
    const stranger = await startInstance({ keyPrefix: 'other-key:', encryptionKey: randomBytes(32) });
    expect(stranger.dpop.status()).toMatchObject({ mode: 'ephemeral', shared: false });
    expect(stranger.dpop.thumbprint).not.toBe(owner.dpop.thumbprint);
    const warnings = stranger.logger.lines.filter((line) => line.startsWith('warn'));
    expect(warnings).toEqual([expect.stringMatching(/shared DPoP key in the token store cannot be read here.*a key of its own/)]);
    expect(stranger.logger.lines.join('\n')).not.toContain(jwk.d);
  });

  it('a malformed or foreign value planted under the key name is never adopted: a key of its own and a warning each time', async () => {
    const owner = await startInstance({ keyPrefix: 'planted:' });
    // Without encryptionKey the key is kept in clear, and the store says so.
    expect(owner.logger.lines.some((line) => line.startsWith('warn') && line.includes('without encryptionKey'))).toBe(true);
    const { name } = await storedKey('planted:');
    const clear = (text: string) => `p1.${Buffer.from(text).toString('base64')}`;
    const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ format: 'jwk' });
    const ecPublic = generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey.export({ format: 'jwk' });
    for (const planted of [
      'not a value of this package',
      clear('not json'),
      clear('["EC"]'),
      clear(JSON.stringify(rsa)),
      clear(JSON.stringify(ecPublic)),
    ]) {
      await suite.admin.set(name, planted, 'PX', 60_000);
      const instance = await startInstance({ keyPrefix: 'planted:' });
      expect(instance.dpop.status()).toMatchObject({ mode: 'ephemeral', shared: false });
      expect(instance.logger.lines.filter((line) => line.includes('this process uses a key of its own'))).toHaveLength(1);
      expect(instance.logger.lines.join('\n')).not.toContain(rsa.d);
      expect(await suite.admin.get(name)).toBe(planted);
    }
  });

  it('Redis unreachable or not answering at startup: the module starts with a key of its own and a warning', async () => {
    const unreachable = await startInstance({ redis: `redis://127.0.0.1:${await freePort()}`, commandTimeoutMs: 1_000 });
    expect(unreachable.dpop.status()).toMatchObject({ mode: 'ephemeral', shared: false });
    expect(unreachable.logger.lines.some((line) => line.startsWith('warn') && /token store failed .*a key of its own/.test(line))).toBe(
      true,
    );

    // A server that accepts the connection and never answers: only the store's deadline can end the wait.
    const silent = await SilentServer.start();
    try {
      const unanswered = await startInstance({ redis: silent.redisUrl, commandTimeoutMs: 1_000 });
      expect(unanswered.dpop.status()).toMatchObject({ mode: 'ephemeral', shared: false });
      // Which deadline ends it (the store's, or ioredis' own on its ready check) is timing; the outcome is not.
      expect(unanswered.logger.lines.some((line) => line.startsWith('warn') && /token store failed .*a key of its own/.test(line))).toBe(
        true,
      );
    } finally {
      await silent.stop();
    }
  });
});
