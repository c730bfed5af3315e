import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { CredentialError, DpopService, TokenConfigError, type TokenModuleOptions } from '../lib/index.js';
import { TestIdp } from './support/test-idp.js';
import { startTokenApp, type TokenApp } from './support/token-app.js';

const CLIENT = { clientId: 'dpop-client', clientSecret: 'dpop-secret-value-1234' };
const pemOf = (key: ReturnType<typeof generateKeyPairSync>['privateKey']) => key.export({ format: 'pem', type: 'pkcs8' }) as string;

describe('dpop.privateKey from a provider ({ file } or a function), read once when the module starts', () => {
  const ecPem = pemOf(generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey);
  const rsaPem = pemOf(generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey);
  const directory = mkdtempSync(join(tmpdir(), 'dpop-key-'));
  const keyFile = join(directory, 'dpop.key');
  let idp: TestIdp;
  const apps: TokenApp[] = [];
  const start = async (privateKey: unknown) => {
    const app = await startTokenApp({ tokenUrl: idp.tokenUrl, ...CLIENT, dpop: { privateKey } } as TokenModuleOptions);
    apps.push(app);
    return app;
  };

  beforeAll(async () => {
    writeFileSync(keyFile, `${ecPem}\n`);
    idp = await TestIdp.start({ clients: [CLIENT] });
  });
  afterEach(async () => {
    await Promise.all(apps.splice(0).map((app) => app.close()));
  });
  afterAll(async () => {
    await idp.stop();
    rmSync(directory, { recursive: true, force: true });
  });

  it('a file and an async function give the same key as the value itself: the same thumbprint, DPoP tokens from oidc-provider', async () => {
    let calls = 0;
    const fromValue = await start(ecPem);
    const fromFile = await start({ file: keyFile });
    const fromFunction = await start(async () => {
      calls += 1;
      return ecPem;
    });
    const thumbprint = fromValue.moduleRef.get(DpopService).thumbprint;
    expect(thumbprint).toEqual(expect.any(String));
    for (const app of [fromFile, fromFunction]) {
      expect(app.moduleRef.get(DpopService).status()).toMatchObject({ mode: 'configured', thumbprint });
      await app.manager.getAccessToken();
      app.manager.invalidate();
      await app.manager.getAccessToken();
      expect(app.manager.getTokenInfo()).toMatchObject({ tokenType: 'DPoP' });
    }
    // Read once, when the module started: token requests never call it again.
    expect(calls).toBe(1);
    expect(idp.tokenRequestProofs.slice(-4).every((proof) => proof !== undefined)).toBe(true);
  });

  it('a function that rejects fails startup with a CredentialError naming the option, never quoting what it threw', async () => {
    const failure = await start(() => Promise.reject(new Error(`vault answered ${ecPem}`))).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(CredentialError);
    expect((failure as CredentialError).message).toBe('dpop.privateKey (function): the function threw or rejected');
    expect(inspect(failure, { depth: 5 })).not.toContain(ecPem.split('\n')[1]);
  });

  it('a key that does not fit dpop.alg: refused at startup from a file, when the module starts from a function', async () => {
    const rsaFile = join(directory, 'rsa.key');
    writeFileSync(rsaFile, rsaPem);
    const fromFile = await start({ file: rsaFile }).catch((error: unknown) => error);
    expect(fromFile).toBeInstanceOf(TokenConfigError);
    expect((fromFile as TokenConfigError).problems).toEqual([
      { field: 'dpop.privateKey', message: expect.stringContaining('alg ES256 needs an EC P-256 key') },
    ]);
    const fromFunction = await start(() => rsaPem).catch((error: unknown) => error);
    expect(fromFunction).toBeInstanceOf(CredentialError);
    expect((fromFunction as CredentialError).message).toMatch(/^dpop\.privateKey \(function\): is a 2048-bit RSA key; alg ES256 needs/);
    for (const failure of [fromFile, fromFunction]) expect(inspect(failure, { depth: 5 })).not.toContain(rsaPem.split('\n')[1]);
  });
});
