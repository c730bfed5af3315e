import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { X509Certificate } from 'node:crypto';
import { createServer, type Server } from 'node:https';
import type { TLSSocket } from 'node:tls';
import { tokenOptionsFromEnvironment } from '../../lib/config/index.js';
import { KubernetesSecretVolume } from '../support/kubernetes-secret-volume.js';
import { closeHttpServer, listenOnLoopback } from '../support/loopback.js';
import { generateTestCertificates, type TestCertificates } from '../support/test-certificates.js';
import { startTokenApp, type TokenApp } from '../support/token-app.js';

const CLIENT_ID = 'mtls-client';
const fingerprintOf = (pem: string) => new X509Certificate(pem).fingerprint256;

describe('tls_client_auth with a client certificate that rolls over while the application runs', () => {
  let current: TestCertificates;
  let next: TestCertificates;
  let server: Server;
  let tokenUrl: string;
  /** The certificate the IdP accepts for the client: the one registered there. */
  let registered: string;
  const presented: string[] = [];
  let app: TokenApp | undefined;
  let volume: KubernetesSecretVolume | undefined;

  beforeAll(async () => {
    current = generateTestCertificates(CLIENT_ID);
    next = generateTestCertificates(CLIENT_ID);
    // The IdP binds the client to the one certificate registered for it, by its fingerprint (as with
    // RFC 8705 §2.2 self-signed certificates): the two test CAs share a name, so chain checks are left out.
    server = createServer(
      { cert: current.serverCert, key: current.serverKey, requestCert: true, rejectUnauthorized: false },
      (request, response) => {
        const fingerprint = (request.socket as TLSSocket).getPeerCertificate().fingerprint256;
        presented.push(fingerprint);
        request.resume();
        request.on('end', () => {
          const ok = fingerprint === registered;
          response.writeHead(ok ? 200 : 401, { 'content-type': 'application/json' });
          response.end(
            JSON.stringify(
              ok ? { access_token: `mtls-token-${presented.length}`, token_type: 'Bearer', expires_in: 3600 } : { error: 'invalid_client' },
            ),
          );
        });
      },
    );
    tokenUrl = `https://127.0.0.1:${await listenOnLoopback(server)}/oauth2/token`;
  });
  afterAll(() => closeHttpServer(server));
  afterEach(async () => {
    await app?.close();
    volume?.remove();
    app = volume = undefined;
    presented.length = 0;
  });

  it('certificate and key files swapped by kubelet (OAUTH2_TLS_*_FILE): the next token request presents the new certificate', async () => {
    registered = fingerprintOf(current.clientCert);
    volume = new KubernetesSecretVolume({ 'tls.crt': current.clientCert, 'tls.key': current.clientKey, 'ca.crt': current.caCert });
    app = await startTokenApp(
      tokenOptionsFromEnvironment({
        OAUTH2_TOKEN_URL: tokenUrl,
        OAUTH2_CLIENT_ID: CLIENT_ID,
        OAUTH2_CLIENT_AUTH_METHOD: 'tls_client_auth',
        OAUTH2_TLS_CERT_FILE: volume.path('tls.crt'),
        OAUTH2_TLS_KEY_FILE: volume.path('tls.key'),
        OAUTH2_TLS_CA_FILE: volume.path('ca.crt'),
      }),
    );
    await app.manager.getAccessToken();

    volume.update({ 'tls.crt': next.clientCert, 'tls.key': next.clientKey });
    registered = fingerprintOf(next.clientCert);
    app.manager.invalidate();
    await expect(app.manager.getAccessToken()).resolves.toMatch(/^mtls-token-/);
    expect(presented).toEqual([fingerprintOf(current.clientCert), fingerprintOf(next.clientCert)]);
  });

  it('the IdP moves to the new certificate first: refused once, then one retry with the new certificate and key', async () => {
    registered = fingerprintOf(current.clientCert);
    let pair = current;
    app = await startTokenApp({
      tokenUrl,
      clientId: CLIENT_ID,
      clientAuthMethod: 'tls_client_auth',
      tlsClientAuth: { cert: () => pair.clientCert, key: async () => pair.clientKey, ca: current.caCert },
    });
    await app.manager.getAccessToken();

    registered = fingerprintOf(next.clientCert);
    pair = next;
    app.manager.invalidate();
    await expect(app.manager.getAccessToken()).resolves.toMatch(/^mtls-token-/);
    const [first, refused, retried] = presented;
    expect([first, refused, retried]).toEqual([
      fingerprintOf(current.clientCert),
      fingerprintOf(current.clientCert),
      fingerprintOf(next.clientCert),
    ]);
    expect(presented).toHaveLength(3);
  });
});
