import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { Test, type TestingModule } from '@nestjs/testing';
import { decodeProtectedHeader, EmbeddedJWK, jwtVerify } from 'jose';
import { generateKeyPairSync } from 'node:crypto';
import { inspect } from 'node:util';
import {
  DpopService,
  MemoryTokenStore,
  TokenConfigError,
  TokenManagerService,
  TokenModule,
  type TokenModuleOptions,
  type TokenStore,
} from '../lib/index.js';
import { sharedDpopKeyStoreKey } from '../lib/core/token-store-keys.js';
import { RESOLVED_TOKEN_OPTIONS } from '../lib/core/injection-tokens.js';
import { CapturingLogger } from './support/capturing-logger.js';
import { TestIdp } from './support/test-idp.js';
import { startTokenApp, type TokenApp } from './support/token-app.js';

const CLIENT = { clientId: 'dpop-client', clientSecret: 'dpop-secret-value-1234' };
const BASE = { tokenUrl: 'https://idp.example.com/oauth2/token', ...CLIENT };

/** The TokenConfigError a registration with this dpop option fails with. */
async function startupFailure(dpop: unknown): Promise<TokenConfigError> {
  const failure = await startTokenApp({ ...BASE, dpop } as TokenModuleOptions).catch((error: unknown) => error);
  expect(failure).toBeInstanceOf(TokenConfigError);
  return failure as TokenConfigError;
}

/** The public JWK a service puts in its proofs, and whether a proof verifies with it. */
async function proofKeyOf(dpop: DpopService): Promise<Record<string, unknown>> {
  const proof = await dpop.proofFor('GET', 'https://api.example.com/orders');
  await jwtVerify(proof, EmbeddedJWK, { typ: 'dpop+jwt' });
  return decodeProtectedHeader(proof).jwk as Record<string, unknown>;
}

describe('dpop: { generateKey: true, ... }, a generated key with options', () => {
  const apps: TokenApp[] = [];
  afterEach(async () => {
    await Promise.all(apps.splice(0).map((app) => app.close()));
  });
  const start = async (dpop: TokenModuleOptions['dpop']) => {
    const app = await startTokenApp({ ...BASE, dpop });
    apps.push(app);
    return app.moduleRef.get(DpopService);
  };

  it('privateKey together with generateKey, or an object with neither, fails startup naming the field', async () => {
    const privateKey = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ format: 'jwk' });
    expect((await startupFailure({ generateKey: true, privateKey })).problems).toEqual([
      { field: 'dpop.generateKey', message: 'cannot be combined with dpop.privateKey: set exactly one of them' },
    ]);
    expect((await startupFailure({ alg: 'ES256' })).problems).toEqual([
      {
        field: 'dpop.privateKey',
        message: 'is required when dpop is an object without generateKey: set exactly one of privateKey or generateKey: true',
      },
    ]);
    expect((await startupFailure({ generateKey: 'yes' })).problems).toEqual([
      { field: 'dpop.generateKey', message: 'must be true (generate the key pair at startup) or absent' },
    ]);
    expect((await startupFailure({ generateKey: true, alg: 'HS256' })).problems).toEqual([
      { field: 'dpop.alg', message: 'must be one of ES256, RS256, PS256, EdDSA' },
    ]);
  });

  it('alg PS256 generates an RSA key of at least 2048 bits whose proofs verify', async () => {
    const dpop = await start({ generateKey: true, alg: 'PS256' });
    const jwk = await proofKeyOf(dpop);
    expect(jwk).toEqual({ kty: 'RSA', n: expect.any(String), e: 'AQAB' });
    expect(Buffer.from(jwk.n as string, 'base64url').length * 8).toBeGreaterThanOrEqual(2048);
    expect(dpop.status()).toEqual({
      mode: 'ephemeral',
      shared: false,
      alg: 'PS256',
      thumbprint: dpop.thumbprint,
      allowBearerDowngrade: false,
    });
  });

  it('alg EdDSA generates an Ed25519 key; dpop: true stays an ES256 key', async () => {
    expect(await proofKeyOf(await start({ generateKey: true, alg: 'EdDSA' }))).toEqual({
      kty: 'OKP',
      crv: 'Ed25519',
      x: expect.any(String),
    });
    expect(await proofKeyOf(await start(true))).toMatchObject({ kty: 'EC', crv: 'P-256' });
  });
});

describe('a generated key with allowBearerDowngrade, against an IdP that answers Bearer', () => {
  let idp: TestIdp;
  beforeAll(async () => {
    idp = await TestIdp.start({ clients: [CLIENT], dpop: false });
  });
  afterAll(async () => {
    await idp.stop();
  });

  it('accepts the Bearer token (and without the flag, refuses it)', async () => {
    const app = await startTokenApp({ tokenUrl: idp.tokenUrl, ...CLIENT, dpop: { generateKey: true, allowBearerDowngrade: true } });
    try {
      await app.manager.getAccessToken();
      expect(app.manager.getTokenInfo()?.tokenType).toBe('Bearer');
      expect(app.moduleRef.get(DpopService).status()).toMatchObject({ mode: 'ephemeral', allowBearerDowngrade: true });
    } finally {
      await app.close();
    }
    const strict = await startTokenApp({ tokenUrl: idp.tokenUrl, ...CLIENT, dpop: { generateKey: true } });
    try {
      await expect(strict.manager.getAccessToken()).rejects.toThrow(/"token_type" is "Bearer", expected "DPoP"/);
    } finally {
      await strict.close();
    }
  });
});

describe('two registrations in one process sharing a MemoryTokenStore', () => {
  let idp: TestIdp;
  beforeAll(async () => {
    idp = await TestIdp.start({ clients: [{ ...CLIENT, dpopBound: true }], dpop: {} });
  });
  afterAll(async () => {
    await idp.stop();
  });

  /** A Nest application of its own on `store`, whose logs go to `logger`. */
  async function startInstance(options: Partial<TokenModuleOptions>, logger = new CapturingLogger()): Promise<TestingModule> {
    const moduleRef = await Test.createTestingModule({ imports: [TokenModule.forRoot({ tokenUrl: idp.tokenUrl, ...CLIENT, ...options })] })
      .setLogger(logger)
      .compile();
    await moduleRef.init();
    return moduleRef;
  }

  it('adopt one generated key: same thumbprint, one token request for 100 concurrent callers of both', async () => {
    const store = new MemoryTokenStore();
    const [first, second] = await Promise.all([startInstance({ store, dpop: true }), startInstance({ store, dpop: true })]);
    try {
      const [a, b] = [first.get(DpopService), second.get(DpopService)];
      expect(a.thumbprint).toBe(b.thumbprint);
      expect(a.status()).toMatchObject({ mode: 'ephemeral', shared: true });
      idp.tokenRequests = 0;
      idp.delayMs = 30;
      const managers = [first.get(TokenManagerService), second.get(TokenManagerService)];
      const tokens = await Promise.all(Array.from({ length: 100 }, (_, i) => managers[i % 2].getAccessToken()));
      expect(new Set(tokens).size).toBe(1);
      expect(idp.tokenRequests).toBe(1);
      // What the store holds (claiming again returns it): nothing the module shows contains its private part.
      const resolved = first.get(RESOLVED_TOKEN_OPTIONS);
      const stored = JSON.parse(
        await store.claimSharedSecret(sharedDpopKeyStoreKey(resolved.clientFingerprint, 'ES256'), 'unused', 60_000),
      ) as {
        d: string;
      };
      const renderings = [a, b, store, resolved, ...managers].flatMap((subject) => [
        inspect(subject, { depth: 10, showHidden: true }),
        JSON.stringify(subject),
      ]);
      expect(renderings.join('\n')).toContain(a.thumbprint);
      expect(renderings.join('\n')).not.toContain(stored.d);
      // Another algorithm is another key: a changed alg never signs with the old one.
      const eddsa = await startInstance({ store, dpop: { generateKey: true, alg: 'EdDSA' } });
      expect(eddsa.get(DpopService).thumbprint).not.toBe(a.thumbprint);
      await eddsa.close();
    } finally {
      idp.delayMs = 0;
      await Promise.all([first.close(), second.close()]);
    }
  });

  it('without a store, or with different clients on one store, the keys differ (so the sharing above is what the store does)', async () => {
    const store = new MemoryTokenStore();
    const instances = await Promise.all([
      startInstance({ dpop: true }),
      startInstance({ dpop: true }),
      startInstance({ store, dpop: true }),
      startInstance({ store, dpop: true, scope: 'api:read' }),
    ]);
    try {
      const thumbprints = instances.map((moduleRef) => moduleRef.get(DpopService).thumbprint);
      expect(new Set(thumbprints).size).toBe(4);
      expect(instances[0].get(DpopService).status()).toMatchObject({ mode: 'ephemeral', shared: false });
    } finally {
      await Promise.all(instances.map((moduleRef) => moduleRef.close()));
    }
  });

  it('a custom store without claimSharedSecret: a key of its own and one warning saying why', async () => {
    const memory = new MemoryTokenStore();
    const legacy: TokenStore = {
      get: (key) => memory.get(key),
      set: (key, token, ttlMs) => memory.set(key, token, ttlMs),
      deleteIfEqual: (key, token) => memory.deleteIfEqual(key, token),
      acquireLease: (key, owner, ttlMs) => memory.acquireLease(key, owner, ttlMs),
      releaseLease: (key, owner) => memory.releaseLease(key, owner),
    };
    const logger = new CapturingLogger();
    const moduleRef = await startInstance({ store: legacy, dpop: true }, logger);
    try {
      expect(moduleRef.get(DpopService).status()).toMatchObject({ mode: 'ephemeral', shared: false });
      const warnings = logger.lines.filter((line) => line.startsWith('warn'));
      expect(warnings).toHaveLength(1);
      expect(warnings[0]).toMatch(/no claimSharedSecret\(\).*one token per process/);
    } finally {
      await moduleRef.close();
    }
  });

  it('a custom store that fails, never answers or holds a foreign value: a key of its own, a warning, startup completes', async () => {
    const foreign = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ format: 'jwk' });
    const claims: Array<TokenStore['claimSharedSecret']> = [
      (_key, candidate) => Promise.reject(new Error(`store exploded on ${candidate} (d=${(JSON.parse(candidate) as { d: string }).d})`)),
      () => new Promise<never>(() => undefined),
      async () => JSON.stringify(foreign),
      async () => 'not json',
      async () => undefined,
    ];
    for (const claimSharedSecret of claims) {
      const logger = new CapturingLogger();
      const store = Object.assign(new MemoryTokenStore(), { claimSharedSecret });
      const moduleRef = await startInstance({ store, dpop: true, requestTimeoutMs: 200 }, logger);
      try {
        expect(moduleRef.get(DpopService).status()).toMatchObject({ mode: 'ephemeral', shared: false });
        expect(logger.lines.filter((line) => line.startsWith('warn') && line.includes('this process uses a key of its own'))).toHaveLength(
          1,
        );
        expect(logger.lines.join('\n')).not.toContain(foreign.d);
        expect(logger.lines.join('\n')).not.toMatch(/"d"|d=[A-Za-z0-9_-]{16}/);
      } finally {
        await moduleRef.close();
      }
    }
  });
});
