import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TLSSocket } from 'node:tls';
import { inspect } from 'node:util';
import { tokenConfig } from '../../lib/config/index.js';
import { TokenManagerService } from '../../lib/index.js';
import { clearOauth2Environment, configErrorOf, startTokenConfigApp, useOauth2Environment } from '../support/environment.js';
import { closeHttpServer, listenOnLoopback } from '../support/loopback.js';
import { generateTestCertificates, type TestCertificates } from '../support/test-certificates.js';
import { TestIdp } from '../support/test-idp.js';

const SECRET = 'file-secret-value-5566';
const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
const pkcs8 = (key: KeyObject) => key.export({ type: 'pkcs8', format: 'pem' }) as string;
const keyLine = (pem: string) => pem.split('\n')[1];

/** A directory of secret files, as Docker or Kubernetes mount them. */
const secrets = mkdtempSync(join(tmpdir(), 'ncc-env-files-'));
const secretFile = (name: string, content: string): string => {
  const path = join(secrets, name);
  writeFileSync(path, content);
  return path;
};

/** Starts `TokenModule.forRootAsync(tokenConfig.asProvider())` on these variables and returns a token. */
async function tokenFromEnvironment(env: Record<string, string>): Promise<string> {
  useOauth2Environment(env);
  const moduleRef = await startTokenConfigApp();
  try {
    return await moduleRef.get(TokenManagerService).getAccessToken();
  } finally {
    await moduleRef.close();
  }
}

describe('secrets and keys from files (…_FILE variables) and keys from the environment', () => {
  let idp: TestIdp;

  beforeAll(async () => {
    idp = await TestIdp.start({
      clients: [
        { clientId: 'file-client', clientSecret: SECRET },
        {
          clientId: 'jwt-client',
          clientSecret: 'unused-secret-1',
          authMethod: 'private_key_jwt',
          jwks: { keys: [{ ...rsa.publicKey.export({ format: 'jwk' }), kid: 'rsa-1', use: 'sig' }] },
        },
      ],
    });
  });
  afterEach(() => {
    clearOauth2Environment();
  });
  afterAll(async () => {
    await idp.stop();
    rmSync(secrets, { recursive: true, force: true });
  });

  it('OAUTH2_CLIENT_SECRET_FILE: the secret is read from the file (its trailing line break dropped) and gets a token', async () => {
    const path = secretFile('client-secret', `${SECRET}\n`);
    await expect(
      tokenFromEnvironment({ OAUTH2_TOKEN_URL: idp.tokenUrl, OAUTH2_CLIENT_ID: 'file-client', OAUTH2_CLIENT_SECRET_FILE: path }),
    ).resolves.toMatch(/^eyJ/);
  });

  it('private_key_jwt from OAUTH2_PRIVATE_KEY_FILE + OAUTH2_PRIVATE_KEY_KID, and from OAUTH2_PRIVATE_KEY as a JWK or a PEM with \\n escapes, gets a token from oidc-provider', async () => {
    const base = { OAUTH2_TOKEN_URL: idp.tokenUrl, OAUTH2_CLIENT_ID: 'jwt-client', OAUTH2_CLIENT_AUTH_METHOD: 'private_key_jwt' };
    const fromFile = {
      ...base,
      OAUTH2_PRIVATE_KEY_FILE: secretFile('client.key', pkcs8(rsa.privateKey)),
      OAUTH2_PRIVATE_KEY_KID: 'rsa-1',
      OAUTH2_PRIVATE_KEY_ALGORITHM: 'PS256',
    };
    await expect(tokenFromEnvironment(fromFile)).resolves.toMatch(/^eyJ/);
    const jwk = JSON.stringify({ ...rsa.privateKey.export({ format: 'jwk' }), kid: 'rsa-1' });
    await expect(tokenFromEnvironment({ ...base, OAUTH2_PRIVATE_KEY: jwk })).resolves.toMatch(/^eyJ/);
    const escaped = pkcs8(rsa.privateKey).trim().replace(/\n/g, '\\n');
    await expect(tokenFromEnvironment({ ...base, OAUTH2_PRIVATE_KEY: escaped, OAUTH2_PRIVATE_KEY_KID: 'rsa-1' })).resolves.toMatch(/^eyJ/);
    // What configService.get('oauth2') holds prints the key redacted.
    useOauth2Environment(fromFile);
    const printed = `${inspect(tokenConfig(), { depth: 10 })}${JSON.stringify(tokenConfig())}`;
    expect(printed).not.toContain(keyLine(pkcs8(rsa.privateKey)));
    expect(printed).toContain('[redacted]');
  });

  it('a …_FILE variable that names a missing file, a directory or an empty file fails startup naming the variable and the path, never any content', () => {
    const base = { OAUTH2_TOKEN_URL: idp.tokenUrl, OAUTH2_CLIENT_ID: 'file-client' };
    const missing = join(secrets, 'no-such-file');
    expect(configErrorOf({ ...base, OAUTH2_CLIENT_SECRET_FILE: missing }).problems).toEqual([
      { field: 'OAUTH2_CLIENT_SECRET_FILE', message: `names a file that cannot be read: ENOENT (${missing})` },
    ]);
    expect(configErrorOf({ ...base, OAUTH2_CLIENT_SECRET_FILE: secrets }).problems).toEqual([
      { field: 'OAUTH2_CLIENT_SECRET_FILE', message: `must name a regular file (${secrets})` },
    ]);
    const empty = secretFile('empty', '\n');
    expect(configErrorOf({ ...base, OAUTH2_CLIENT_SECRET_FILE: empty }).problems).toEqual([
      { field: 'OAUTH2_CLIENT_SECRET_FILE', message: `names an empty file (${empty})` },
    ]);

    const notAKey = secretFile('not-a-key', '-----BEGIN PRIVATE KEY-----\nnot-key-material-4242\n-----END PRIVATE KEY-----\n');
    const bad = configErrorOf({ ...base, OAUTH2_CLIENT_AUTH_METHOD: 'private_key_jwt', OAUTH2_PRIVATE_KEY_FILE: notAKey });
    expect(bad.problems).toEqual([{ field: 'OAUTH2_PRIVATE_KEY_FILE', message: 'must be a PEM private key or a private JWK' }]);
    expect(`${bad.message}${bad.stack}${inspect(bad)}`).not.toContain('not-key-material-4242');
  });

  it('a variable and its …_FILE twin both set are refused, and a method without its key names the variable to set', () => {
    const base = { OAUTH2_TOKEN_URL: idp.tokenUrl, OAUTH2_CLIENT_ID: 'file-client' };
    expect(
      configErrorOf({ ...base, OAUTH2_CLIENT_SECRET: SECRET, OAUTH2_CLIENT_SECRET_FILE: secretFile('twin', SECRET) }).problems,
    ).toEqual([{ field: 'OAUTH2_CLIENT_SECRET_FILE', message: 'is set, and so is OAUTH2_CLIENT_SECRET: set only one of them' }]);
    expect(configErrorOf({ ...base, OAUTH2_CLIENT_AUTH_METHOD: 'private_key_jwt' }).problems.map((problem) => problem.field)).toEqual([
      'OAUTH2_PRIVATE_KEY',
    ]);
    expect(configErrorOf({ ...base, OAUTH2_CLIENT_AUTH_METHOD: 'tls_client_auth' }).problems.map((problem) => problem.field)).toEqual([
      'OAUTH2_TLS_CERT_FILE',
    ]);
  });

  describe('tls_client_auth from OAUTH2_TLS_*_FILE variables, against an HTTPS token endpoint that requires a client certificate', () => {
    let certs: TestCertificates;
    let server: Server;
    let tokenUrl: string;

    beforeAll(async () => {
      certs = generateTestCertificates('mtls-file-client');
      server = createServer(
        { cert: certs.serverCert, key: certs.serverKey, ca: certs.caCert, requestCert: true, rejectUnauthorized: true },
        (request, response) => {
          const subject = String((request.socket as TLSSocket).getPeerCertificate().subject?.CN ?? '');
          response.writeHead(200, { 'content-type': 'application/json' });
          response.end(JSON.stringify({ access_token: `mtls-token-for-${subject}`, token_type: 'Bearer', expires_in: 3600 }));
        },
      );
      tokenUrl = `https://127.0.0.1:${await listenOnLoopback(server)}/oauth2/token`;
    });
    afterAll(() => closeHttpServer(server));

    it('the certificate, the encrypted key, its passphrase and the CA come from files; the config namespace prints neither key nor passphrase', async () => {
      const env = {
        OAUTH2_TOKEN_URL: tokenUrl,
        OAUTH2_CLIENT_ID: 'mtls-file-client',
        OAUTH2_CLIENT_AUTH_METHOD: 'tls_client_auth',
        OAUTH2_TLS_CERT_FILE: secretFile('client.crt', certs.clientCert),
        OAUTH2_TLS_KEY_FILE: secretFile('client-encrypted.key', certs.clientKeyEncrypted),
        OAUTH2_TLS_PASSPHRASE_FILE: secretFile('passphrase', `${certs.clientKeyPassphrase}\n`),
        OAUTH2_TLS_CA_FILE: secretFile('ca.crt', certs.caCert),
      };
      await expect(tokenFromEnvironment(env)).resolves.toBe('mtls-token-for-mtls-file-client');
      useOauth2Environment(env);
      const printed = `${inspect(tokenConfig(), { depth: 10 })}${JSON.stringify(tokenConfig())}`;
      expect(printed).not.toContain(keyLine(certs.clientKeyEncrypted));
      expect(printed).not.toContain(certs.clientKeyPassphrase);
    });
  });
});
