import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { inspect } from 'node:util';
import { CredentialError, TokenConfigError } from '../../lib/index.js';
import { KubernetesSecretVolume } from '../support/kubernetes-secret-volume.js';
import { TestIdp } from '../support/test-idp.js';
import { startLoggedTokenApp } from '../support/token-app.js';

const SECRET = 'provider-secret-0123456789abcdef';

/** Everything an error or object shows to a log, a JSON body or a debugger. */
const everythingOf = (value: unknown) =>
  `${String(value)}\n${(value as Error)?.stack ?? ''}\n${inspect(value, { depth: 8 })}\n${JSON.stringify(value)}`;

describe('credential providers fail with a CredentialError naming the option and the source, never the value', () => {
  let idp: TestIdp;
  let volume: KubernetesSecretVolume;

  beforeAll(async () => {
    idp = await TestIdp.start({ clients: [{ clientId: 'svc', clientSecret: SECRET }] });
    volume = new KubernetesSecretVolume({ 'client-secret': SECRET });
  });
  afterAll(async () => {
    volume.remove();
    await idp.stop();
  });

  /** The error of the first token request with `clientSecret`, with the app's log lines and its printed objects. */
  const failureWith = async (clientSecret: Parameters<typeof startLoggedTokenApp>[0]['clientSecret'], requestTimeoutMs = 10_000) => {
    const app = await startLoggedTokenApp({
      tokenUrl: idp.tokenUrl,
      clientId: 'svc',
      clientSecret,
      requestTimeoutMs,
      failureCooldownMs: 0,
    });
    try {
      const error = await app.manager.getAccessToken().catch((reason: unknown) => reason);
      return { error, shown: `${everythingOf(error)}\n${app.logger.lines.join('\n')}\n${everythingOf(app.manager)}` };
    } finally {
      await app.close();
    }
  };

  it('a function that throws an error quoting the secret: the error says the function failed, without its text', async () => {
    const { error, shown } = await failureWith(() => {
      throw new Error(`vault answered ${SECRET}`);
    });
    expect(error).toBeInstanceOf(CredentialError);
    expect((error as Error).message).toBe('clientSecret (function): the function threw or rejected');
    expect(shown).not.toContain(SECRET);
  });

  it('a function that never answers: the read has its own deadline (requestTimeoutMs)', async () => {
    const { error } = await failureWith(() => new Promise<string>(() => undefined), 200);
    expect(error).toBeInstanceOf(CredentialError);
    expect((error as Error).message).toBe('clientSecret (function): was not read within 200 ms');
  });

  it('a function that returns nothing, or a secret with a stray space: named, not quoted', async () => {
    expect((await failureWith(async () => '')).error).toMatchObject({ message: 'clientSecret (function): the function returned no value' });
    const spaced = await failureWith(async () => `${SECRET} `);
    expect(spaced.error).toMatchObject({ message: 'clientSecret (function): has leading or trailing whitespace' });
    expect(spaced.shown).not.toContain(SECRET);
  });

  it('a secret file removed after startup: the error names the path and the errno code', async () => {
    const gone = new KubernetesSecretVolume({ 'client-secret': SECRET });
    const app = await startLoggedTokenApp({ tokenUrl: idp.tokenUrl, clientId: 'svc', clientSecret: { file: gone.path('client-secret') } });
    try {
      gone.remove();
      const error = await app.manager.getAccessToken().catch((reason: unknown) => reason);
      expect(error).toBeInstanceOf(CredentialError);
      expect((error as Error).message).toBe(`clientSecret (file ${gone.path('client-secret')}): cannot be read: ENOENT`);
    } finally {
      await app.close();
    }
  });

  it('a secret file that works: the token request succeeds and nothing the app prints holds the secret', async () => {
    const app = await startLoggedTokenApp({
      tokenUrl: idp.tokenUrl,
      clientId: 'svc',
      clientSecret: { file: volume.path('client-secret') },
    });
    try {
      await expect(app.manager.getAccessToken()).resolves.toMatch(/^eyJ/);
      expect(`${app.logger.lines.join('\n')}\n${everythingOf(app.manager)}`).not.toContain(SECRET);
    } finally {
      await app.close();
    }
  });

  it('a key function whose key does not fit the algorithm: named by option and algorithm, not a signing library error', async () => {
    const { generateKeyPairSync } = await import('node:crypto');
    const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ type: 'pkcs8', format: 'pem' }) as string;
    const app = await startLoggedTokenApp({
      tokenUrl: idp.tokenUrl,
      clientId: 'svc',
      clientAuthMethod: 'private_key_jwt',
      privateKeyJwt: { key: () => ec },
    });
    try {
      const error = await app.manager.getAccessToken().catch((reason: unknown) => reason);
      expect(error).toBeInstanceOf(CredentialError);
      expect((error as Error).message).toBe(
        'privateKeyJwt.key (function): is a ec (prime256v1) key, which privateKeyJwt.algorithm RS256 cannot sign with',
      );
      expect(everythingOf(error)).not.toContain(ec.split('\n')[1]);
    } finally {
      await app.close();
    }
  });

  it('at startup: a missing file, a { file } with other keys, a private key file that is no key are reported by option, never by content', async () => {
    const garbage = new KubernetesSecretVolume({ key: `-----BEGIN PRIVATE KEY-----\n${SECRET}\n-----END PRIVATE KEY-----` });
    try {
      const missing = await startLoggedTokenApp({
        tokenUrl: idp.tokenUrl,
        clientId: 'svc',
        clientSecret: { file: '/nonexistent/secret' },
      }).catch((reason: unknown) => reason);
      expect((missing as TokenConfigError).problems).toEqual([
        { field: 'clientSecret', message: 'names a file that cannot be read: ENOENT (/nonexistent/secret)' },
      ]);
      const extra = await startLoggedTokenApp({
        tokenUrl: idp.tokenUrl,
        clientId: 'svc',
        clientSecret: { file: volume.path('client-secret'), fallback: SECRET } as never,
      }).catch((reason: unknown) => reason);
      expect((extra as TokenConfigError).problems).toEqual([
        { field: 'clientSecret', message: '{ file } takes exactly one key, file, holding a path' },
      ]);
      expect(everythingOf(extra)).not.toContain(SECRET);

      const badKey = await startLoggedTokenApp({
        tokenUrl: idp.tokenUrl,
        clientId: 'svc',
        clientAuthMethod: 'private_key_jwt',
        privateKeyJwt: { key: { file: garbage.path('key') }, algorithm: 'ES256' },
      }).catch((reason: unknown) => reason);
      expect((badKey as TokenConfigError).problems).toEqual([
        { field: 'privateKeyJwt.key', message: 'must be a PEM private key or a private JWK' },
      ]);
      expect(everythingOf(badKey)).not.toContain(SECRET);
    } finally {
      garbage.remove();
    }
  });
});
