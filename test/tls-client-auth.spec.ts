import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createServer, type Server } from 'node:https';
import type { TLSSocket } from 'node:tls';
import { inspect } from 'node:util';
import { TokenConfigError, TokenEndpointError } from '../lib/index.js';
import { closeHttpServer, listenOnLoopback } from './support/loopback.js';
import { generateTestCertificates, type TestCertificates } from './support/test-certificates.js';
import { startTokenApp } from './support/token-app.js';

const CLIENT_ID = 'mtls-client';

describe('tls_client_auth (RFC 8705) against an HTTPS token endpoint that requires a client certificate', () => {
  let certs: TestCertificates;
  let server: Server;
  let tokenUrl: string;
  const seen: Array<{ subject: string; body: URLSearchParams; authorization?: string | undefined }> = [];

  beforeAll(async () => {
    certs = generateTestCertificates(CLIENT_ID);
    server = createServer(
      { cert: certs.serverCert, key: certs.serverKey, ca: certs.caCert, requestCert: true, rejectUnauthorized: true },
      (request, response) => {
        let body = '';
        request.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
        request.on('end', () => {
          const subject = String((request.socket as TLSSocket).getPeerCertificate().subject?.CN ?? '');
          const form = new URLSearchParams(body);
          seen.push({ subject, body: form, authorization: request.headers.authorization });
          // The IdP binds the client to its certificate: client_id must match the certificate subject.
          const ok = form.get('client_id') === subject && form.get('grant_type') === 'client_credentials';
          response.writeHead(ok ? 200 : 401, { 'content-type': 'application/json' });
          response.end(
            JSON.stringify(
              ok ? { access_token: `mtls-token-${seen.length}`, token_type: 'Bearer', expires_in: 3600 } : { error: 'invalid_client' },
            ),
          );
        });
      },
    );
    tokenUrl = `https://127.0.0.1:${await listenOnLoopback(server)}/oauth2/token`;
  });
  afterAll(() => closeHttpServer(server));

  it('presents the client certificate and sends client_id without any secret', async () => {
    const app = await startTokenApp({
      tokenUrl,
      clientId: CLIENT_ID,
      clientAuthMethod: 'tls_client_auth',
      tlsClientAuth: { cert: certs.clientCert, key: certs.clientKey, ca: certs.caCert },
    });
    try {
      await expect(app.manager.getAccessToken()).resolves.toMatch(/^mtls-token-/);
      const last = seen.at(-1)!;
      expect(last.subject).toBe(CLIENT_ID);
      expect(last.body.get('client_id')).toBe(CLIENT_ID);
      expect(last.body.has('client_secret')).toBe(false);
      expect(last.authorization).toBeUndefined();
    } finally {
      await app.close();
    }
  });

  it('an encrypted key is opened with its passphrase', async () => {
    const app = await startTokenApp({
      tokenUrl,
      clientId: CLIENT_ID,
      clientAuthMethod: 'tls_client_auth',
      tlsClientAuth: { cert: certs.clientCert, key: certs.clientKeyEncrypted, passphrase: certs.clientKeyPassphrase, ca: certs.caCert },
    });
    try {
      await expect(app.manager.getAccessToken()).resolves.toMatch(/^mtls-token-/);
    } finally {
      await app.close();
    }
  });

  it('a certificate the server’s CA did not issue fails the handshake: TokenEndpointError without key material', async () => {
    const requestsBefore = seen.length;
    const app = await startTokenApp({
      tokenUrl,
      clientId: CLIENT_ID,
      clientAuthMethod: 'tls_client_auth',
      tlsClientAuth: { cert: certs.strangerCert, key: certs.strangerKey, ca: certs.caCert },
    });
    try {
      const error = await app.manager.getAccessToken().catch((reason: unknown) => reason);
      expect(error).toBeInstanceOf(TokenEndpointError);
      expect((error as TokenEndpointError).status).toBeUndefined();
      expect(seen.length).toBe(requestsBefore);
      const keyLine = certs.strangerKey.split('\n')[1];
      expect(inspect(error, { depth: 10 })).not.toContain(keyLine);
      expect(inspect(app.manager, { depth: 10 })).not.toContain(certs.clientKey.split('\n')[1]);
    } finally {
      await app.close();
    }
  });

  it('tls_client_auth without a certificate and key fails at startup', async () => {
    const error = await startTokenApp({
      tokenUrl,
      clientId: CLIENT_ID,
      clientAuthMethod: 'tls_client_auth',
      tlsClientAuth: { cert: 'not a pem', key: '' },
    }).catch((reason: unknown) => reason);
    expect(error).toBeInstanceOf(TokenConfigError);
    expect((error as TokenConfigError).problems.map((problem) => problem.field)).toEqual(['tlsClientAuth.cert', 'tlsClientAuth.key']);
  });
});
