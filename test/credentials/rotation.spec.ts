import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { inspect } from 'node:util';
import { tokenOptionsFromEnvironment } from '../../lib/config/index.js';
import { TokenEndpointError } from '../../lib/index.js';
import { KubernetesSecretVolume } from '../support/kubernetes-secret-volume.js';
import { TestIdp } from '../support/test-idp.js';
import { startTokenApp, type TokenApp } from '../support/token-app.js';

const OLD_SECRET = 'old-secret-0123456789abcdef';
const NEW_SECRET = 'new-secret-fedcba9876543210';
const CALLERS = 100;

const callers = (app: TokenApp, count = CALLERS) => Promise.allSettled(Array.from({ length: count }, () => app.manager.getAccessToken()));

describe('a client secret rotated at the IdP while the application runs (oidc-provider)', () => {
  let idp: TestIdp;
  let app: TokenApp | undefined;
  let volume: KubernetesSecretVolume | undefined;

  beforeEach(async () => {
    idp = await TestIdp.start({ clients: [{ clientId: 'rotating', clientSecret: OLD_SECRET }] });
  });
  /** Rotates the secret at the IdP and in the file, then expects the next token from one request (no refusal). */
  const rotateSecretFileAndExpectOneRequest = async (running: TokenApp, files: KubernetesSecretVolume) => {
    await running.manager.getAccessToken();
    idp.replaceClients([{ clientId: 'rotating', clientSecret: NEW_SECRET }]);
    files.update({ 'client-secret': NEW_SECRET });
    running.manager.invalidate();
    await expect(running.manager.getAccessToken()).resolves.toMatch(/^eyJ/);
    expect(idp.tokenRequests).toBe(2);
  };

  afterEach(async () => {
    await app?.close();
    volume?.remove();
    app = volume = undefined;
    await idp.stop();
  });

  it('a function that returns the new secret: the refused request is sent once more with it, shared by 100 callers', async () => {
    let current = OLD_SECRET;
    let reads = 0;
    app = await startTokenApp({
      tokenUrl: idp.tokenUrl,
      clientId: 'rotating',
      clientSecret: () => ((reads += 1), current),
    });
    await app.manager.getAccessToken();
    expect(idp.tokenRequests).toBe(1);

    idp.replaceClients([{ clientId: 'rotating', clientSecret: NEW_SECRET }]);
    current = NEW_SECRET;
    app.manager.invalidate();
    const results = await callers(app);

    expect(results.every((result) => result.status === 'fulfilled')).toBe(true);
    expect(new Set(results.map((result) => (result as PromiseFulfilledResult<string>).value)).size).toBe(1);
    // The request with the reused old secret, refused as invalid_client, and exactly one retry.
    expect(idp.tokenRequests).toBe(3);
    // The first read, and the one re-read after invalid_client (the retries of one refresh reuse an answer).
    expect(reads).toBe(2);
  });

  it('a function that still returns the old secret: one refusal reaches every caller, nothing is resent, the cooldown holds', async () => {
    app = await startTokenApp({
      tokenUrl: idp.tokenUrl,
      clientId: 'rotating',
      clientSecret: async () => OLD_SECRET,
      failureCooldownMs: 60_000,
    });
    await app.manager.getAccessToken();
    idp.replaceClients([{ clientId: 'rotating', clientSecret: NEW_SECRET }]);
    app.manager.invalidate();

    const first = await callers(app);
    const later = await callers(app);

    for (const result of [...first, ...later]) {
      expect(result.status).toBe('rejected');
      const reason = (result as PromiseRejectedResult).reason as TokenEndpointError;
      expect(reason).toBeInstanceOf(TokenEndpointError);
      expect(reason.error).toBe('invalid_client');
      expect(inspect(reason, { depth: 5 })).not.toContain(OLD_SECRET);
    }
    expect(idp.tokenRequests).toBe(2);
  });

  it('a { file } secret replaced by a Kubernetes symlink swap is used at the next token request, with no restart and no refusal', async () => {
    volume = new KubernetesSecretVolume({ 'client-secret': OLD_SECRET });
    app = await startTokenApp({ tokenUrl: idp.tokenUrl, clientId: 'rotating', clientSecret: { file: volume.path('client-secret') } });
    await rotateSecretFileAndExpectOneRequest(app, volume);
  });

  it('OAUTH2_CLIENT_SECRET_FILE is live too: a swapped file is used at the next token request', async () => {
    volume = new KubernetesSecretVolume({ 'client-secret': OLD_SECRET });
    const options = tokenOptionsFromEnvironment({
      OAUTH2_TOKEN_URL: idp.tokenUrl,
      OAUTH2_CLIENT_ID: 'rotating',
      OAUTH2_CLIENT_SECRET_FILE: volume.path('client-secret'),
    });
    expect(options.clientSecret).toEqual({ file: volume.path('client-secret') });
    app = await startTokenApp(options);
    await rotateSecretFileAndExpectOneRequest(app, volume);
  });

  it('a { file } secret the IdP rotates before kubelet updates the file: refused once, then picked up once the file changes', async () => {
    volume = new KubernetesSecretVolume({ 'client-secret': OLD_SECRET });
    app = await startTokenApp({
      tokenUrl: idp.tokenUrl,
      clientId: 'rotating',
      clientSecret: { file: volume.path('client-secret') },
      failureCooldownMs: 0,
    });
    await app.manager.getAccessToken();
    idp.replaceClients([{ clientId: 'rotating', clientSecret: NEW_SECRET }]);
    app.manager.invalidate();

    await expect(app.manager.getAccessToken()).rejects.toMatchObject({ error: 'invalid_client' });
    expect(idp.tokenRequests).toBe(2);
    volume.update({ 'client-secret': NEW_SECRET });
    await expect(app.manager.getAccessToken()).resolves.toMatch(/^eyJ/);
    expect(idp.tokenRequests).toBe(3);
  });
});

describe('a private_key_jwt key rolled over at the IdP (oidc-provider)', () => {
  const pem = (key: KeyObject) => key.export({ type: 'pkcs8', format: 'pem' }) as string;
  const jwks = (key: KeyObject) => ({ keys: [{ ...key.export({ format: 'jwk' }), kid: 'client-key', use: 'sig' }] });
  const oldKey = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const newKey = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const client = (key: KeyObject) => ({
    clientId: 'keyed',
    clientSecret: 'unused-secret-1',
    authMethod: 'private_key_jwt' as const,
    jwks: jwks(key),
  });

  it('a key function that returns the new key: the refused assertion is signed again once with it', async () => {
    const idp = await TestIdp.start({ clients: [client(oldKey.publicKey)] });
    let current = oldKey.privateKey;
    const app = await startTokenApp({
      tokenUrl: idp.tokenUrl,
      clientId: 'keyed',
      clientAuthMethod: 'private_key_jwt',
      privateKeyJwt: { key: () => pem(current), algorithm: 'ES256', kid: 'client-key' },
    });
    try {
      await app.manager.getAccessToken();
      idp.replaceClients([client(newKey.publicKey)]);
      current = newKey.privateKey;
      app.manager.invalidate();
      await expect(app.manager.getAccessToken()).resolves.toMatch(/^eyJ/);
      expect(idp.tokenRequests).toBe(3);
    } finally {
      await app.close();
      await idp.stop();
    }
  });
});
