import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { generateKeyPairSync, randomUUID } from 'node:crypto';
import { inspect } from 'node:util';
import { SignJWT } from 'jose';
import { CredentialError, TokenConfigError, TokenEndpointError } from '../../lib/index.js';
import { startFederatedTokenServer, TestWorkloadIssuer } from '../support/federated-assertion.js';
import { KubernetesSecretVolume } from '../support/kubernetes-secret-volume.js';
import { TestIdp } from '../support/test-idp.js';
import { startTokenApp, type TokenApp } from '../support/token-app.js';
import { waitUntil } from '../support/wait-until.js';

const CLIENT_ID = '00000000-aaaa-bbbb-cccc-000000000001';

describe('client_assertion from outside (RFC 7523 §2.2): a workload identity token presented as the client credential', () => {
  let issuer: TestWorkloadIssuer;
  let federated: Awaited<ReturnType<typeof startFederatedTokenServer>>;
  let app: TokenApp | undefined;
  let volume: KubernetesSecretVolume | undefined;

  beforeAll(async () => {
    issuer = await TestWorkloadIssuer.start();
    federated = await startFederatedTokenServer(issuer, CLIENT_ID);
  });
  afterAll(async () => {
    await federated.server.stop();
  });
  afterEach(async () => {
    await app?.close();
    volume?.remove();
    app = volume = undefined;
    federated.server.requests.length = 0;
    federated.verified.length = 0;
  });

  const startWith = (clientAssertion: { file: string } | (() => Promise<string> | string)) =>
    startTokenApp({ tokenUrl: federated.tokenUrl, clientId: CLIENT_ID, clientAuthMethod: 'client_assertion', clientAssertion });

  it('a projected token file rotated by kubelet while 200 callers run: every caller gets a token, each request carried the file of its time', async () => {
    const first = await issuer.issue(3600);
    volume = new KubernetesSecretVolume({ token: first });
    app = await startWith({ file: volume.path('token') });

    const second = await issuer.issue(3600);
    const before = Array.from({ length: 100 }, () => app!.manager.getAccessToken());
    // kubelet swaps the file while the first request, which read the old one, is on its way.
    await waitUntil(() => federated.server.requests.length === 1);
    volume.update({ token: second });
    await Promise.all(before);
    app.manager.invalidate();
    const after = Array.from({ length: 100 }, () => app!.manager.getAccessToken());

    const tokens = await Promise.all([...before, ...after]);
    expect(tokens.every((token) => token.startsWith('federated-token-'))).toBe(true);
    expect(federated.server.requests).toHaveLength(2);
    expect(federated.verified).toEqual([first, second]);
  });

  it('a file that holds only an expired assertion fails with a CredentialError naming the file, before any request is sent', async () => {
    const expired = await issuer.issue(-120);
    volume = new KubernetesSecretVolume({ token: expired });
    app = await startWith({ file: volume.path('token') });

    const error = await app.manager.getAccessToken().catch((reason: unknown) => reason);
    expect(error).toBeInstanceOf(CredentialError);
    expect(error).toMatchObject({ option: 'clientAssertion', source: `file ${volume.path('token')}` });
    expect((error as Error).message).toMatch(/holds only an expired client assertion \(exp \d{4}-/);
    expect(`${inspect(error, { depth: 5 })}${JSON.stringify(error)}`).not.toContain(expired);
    expect(federated.server.requests).toHaveLength(0);
  });

  it('a function whose assertion is about to expire is asked again, and the fresh one is sent', async () => {
    const answers = [await issuer.issue(3), await issuer.issue(600)];
    let calls = 0;
    app = await startWith(async () => answers[Math.min((calls += 1), 2) - 1]);

    await expect(app.manager.getAccessToken()).resolves.toMatch(/^federated-token-/);
    expect(calls).toBe(2);
    expect(federated.verified).toEqual([answers[1]]);
  });

  it('an assertion the server refuses is not resent when the source still holds the same one', async () => {
    const foreign = await issuer.issue(600, { audience: 'api://someone-else' });
    app = await startWith(() => foreign);

    const error = await app.manager.getAccessToken().catch((reason: unknown) => reason);
    expect(error).toBeInstanceOf(TokenEndpointError);
    expect(error).toMatchObject({ status: 401, error: 'invalid_client' });
    expect(`${inspect(error, { depth: 5 })}${JSON.stringify(error)}`).not.toContain(foreign);
    expect(federated.server.requests).toHaveLength(1);
  });

  it('a fixed string or a missing file is refused at startup; a file that stops holding a JWT is named by its path', async () => {
    const fixed = await startWith('eyJ.fixed.assertion' as never).catch((reason: unknown) => reason);
    expect(fixed).toBeInstanceOf(TokenConfigError);
    expect((fixed as TokenConfigError).problems).toEqual([
      { field: 'clientAssertion', message: 'must be { file } or a function returning the assertion' },
    ]);

    const missing = await startWith({ file: '/nonexistent/token' }).catch((reason: unknown) => reason);
    expect((missing as TokenConfigError).problems).toEqual([
      { field: 'clientAssertion', message: 'names a file that cannot be read: ENOENT (/nonexistent/token)' },
    ]);

    volume = new KubernetesSecretVolume({ token: await issuer.issue(600) });
    app = await startWith({ file: volume.path('token') });
    volume.update({ token: 'not-a-jwt-but-secret-text' });
    const error = await app.manager.getAccessToken().catch((reason: unknown) => reason);
    expect(error).toBeInstanceOf(CredentialError);
    expect((error as Error).message).toBe(`clientAssertion (file ${volume.path('token')}): is not a JWT with a numeric "exp" claim`);
    expect(inspect(error, { depth: 5 })).not.toContain('not-a-jwt-but-secret-text');
  });
});

describe('client_assertion against oidc-provider: a key held elsewhere signs the assertions', () => {
  const signer = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  let idp: TestIdp;

  beforeAll(async () => {
    idp = await TestIdp.start({
      clients: [
        {
          clientId: 'signed-elsewhere',
          clientSecret: 'unused-secret-1',
          authMethod: 'private_key_jwt',
          jwks: { keys: [{ ...signer.publicKey.export({ format: 'jwk' }), kid: 'hsm-1', use: 'sig' }] },
        },
      ],
    });
  });
  afterAll(async () => {
    await idp.stop();
  });

  it('a function returning an assertion signed by an outside signer (an HSM, a cloud KMS) gets a token', async () => {
    const sign = () =>
      new SignJWT({})
        .setProtectedHeader({ alg: 'ES256', kid: 'hsm-1' })
        .setIssuer('signed-elsewhere')
        .setSubject('signed-elsewhere')
        .setAudience(idp.tokenUrl)
        .setJti(randomUUID())
        .setIssuedAt()
        .setExpirationTime('60s')
        .sign(signer.privateKey);
    const app = await startTokenApp({
      tokenUrl: idp.tokenUrl,
      clientId: 'signed-elsewhere',
      clientAuthMethod: 'client_assertion',
      clientAssertion: sign,
    });
    try {
      await expect(app.manager.getAccessToken()).resolves.toMatch(/^eyJ/);
      expect(idp.tokenRequests).toBe(1);
    } finally {
      await app.close();
    }
  });
});
