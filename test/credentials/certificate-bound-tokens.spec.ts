import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { X509Certificate } from 'node:crypto';
import { Agent as HttpsAgent } from 'node:https';
import { inspect } from 'node:util';
import { isAxiosError } from 'axios';
import { CredentialError, TokenConfigError, type TokenModuleOptions } from '../../lib/index.js';
import { CertificateBoundApi, certificateThumbprint } from '../support/certificate-bound-api.js';
import { startHttpApp, type HttpApp } from '../support/http-app.js';
import { KubernetesSecretVolume } from '../support/kubernetes-secret-volume.js';
import { MTLS_API_RESOURCE, MtlsIdp } from '../support/mtls-idp.js';
import { generateTestCertificates, type TestCertificates } from '../support/test-certificates.js';
import { startTokenApp } from '../support/token-app.js';

const CLIENT_ID = 'mtls-api-client';
const thumbprintOf = (pem: string) => certificateThumbprint(new X509Certificate(pem).raw);
const secretLine = (pem: string) => pem.split('\n')[1];

describe('certificate-bound access tokens on API calls (RFC 8705 §3): oidc-provider binds the token to the tls_client_auth certificate', () => {
  let certs: TestCertificates;
  let idp: MtlsIdp;
  let api: CertificateBoundApi;
  let foreign: CertificateBoundApi;
  let app: HttpApp | undefined;
  let volume: KubernetesSecretVolume | undefined;

  /** The caller's own agent: it trusts the test CA and holds no certificate. */
  const trustingAgent = () => new HttpsAgent({ ca: certs.caCert });
  const optionsWith = (presentClientCertificate: boolean | undefined, tls = { cert: certs.clientCert, key: certs.clientKey }) =>
    ({
      tokenUrl: idp.tokenUrl,
      clientId: CLIENT_ID,
      clientAuthMethod: 'tls_client_auth',
      tlsClientAuth: { ...tls, ca: certs.caCert },
      // Without the option the caller brings the agent that trusts the API's CA, as any private-CA API needs.
      http: {
        baseURL: api.origin,
        ...(presentClientCertificate === true ? { presentClientCertificate } : { httpsAgent: trustingAgent() }),
      },
    }) satisfies TokenModuleOptions;

  beforeAll(async () => {
    certs = generateTestCertificates(CLIENT_ID);
    idp = await MtlsIdp.start(certs, CLIENT_ID);
    foreign = await CertificateBoundApi.start(certs, undefined);
    api = await CertificateBoundApi.start(
      certs,
      { key: idp.signingKey, issuer: idp.issuer, audience: MTLS_API_RESOURCE },
      () => `${foreign.origin}/landing`,
    );
  });
  afterAll(async () => {
    await Promise.all([idp.stop(), api.stop(), foreign.stop()]);
  });
  afterEach(async () => {
    await app?.close();
    volume?.remove();
    app = volume = undefined;
    api.calls.length = 0;
    foreign.calls.length = 0;
  });

  it('with presentClientCertificate, the API sees the certificate the token is bound to and accepts the call', async () => {
    app = await startHttpApp(optionsWith(true));
    const answers = await Promise.all([1, 2, 3].map(() => app!.send({ url: '/invoices' })));
    expect(answers.map((answer) => answer.status)).toEqual([200, 200, 200]);
    expect(api.calls.map((call) => call.certificateThumbprint)).toEqual(Array(3).fill(thumbprintOf(certs.clientCert)));
    expect(idp.tokenRequests).toBeGreaterThan(0);
  });

  it('without it (the default), the API gets the bound token over a connection without the certificate: 401', async () => {
    app = await startHttpApp(optionsWith(undefined));
    const error = await app.send({ url: '/invoices' }).catch((reason: unknown) => reason);
    expect(isAxiosError(error) && error.response?.status).toBe(401);
    expect(api.calls.length).toBeGreaterThan(0);
    expect(api.calls.every((call) => call.certificateThumbprint === undefined && call.status === 401)).toBe(true);
    expect(inspect(error, { depth: 10 })).not.toContain(secretLine(certs.clientKey));
  });

  it('an origin outside the allowlist never gets the certificate: neither called directly nor reached by a redirect', async () => {
    app = await startHttpApp(optionsWith(true));
    await expect(app.send({ url: `${foreign.origin}/direct`, httpsAgent: trustingAgent() })).resolves.toMatchObject({ status: 200 });
    await expect(app.send({ url: '/redirect', httpsAgent: trustingAgent() })).resolves.toMatchObject({ status: 200 });
    expect(api.calls).toEqual([expect.objectContaining({ status: 302, certificateThumbprint: thumbprintOf(certs.clientCert) })]);
    expect(foreign.calls).toEqual([
      { certificateThumbprint: undefined, authorization: undefined, status: 200 },
      { certificateThumbprint: undefined, authorization: undefined, status: 200 },
    ]);
  });

  it('certificate and key files swapped by kubelet: the next call presents the new certificate, renews the token once and succeeds', async () => {
    volume = new KubernetesSecretVolume({ 'tls.crt': certs.clientCert, 'tls.key': certs.clientKey });
    app = await startHttpApp(optionsWith(true, { cert: { file: volume.path('tls.crt') }, key: { file: volume.path('tls.key') } } as never));
    await expect(app.send({ url: '/invoices' })).resolves.toMatchObject({ status: 200 });
    const tokenRequestsBefore = idp.tokenRequests;

    volume.update({ 'tls.crt': certs.renewedClientCert, 'tls.key': certs.renewedClientKey });
    await expect(app.send({ url: '/invoices' })).resolves.toMatchObject({ status: 200 });
    await expect(app.send({ url: '/invoices' })).resolves.toMatchObject({ status: 200 });
    const [oldCertificate, newCertificate] = [thumbprintOf(certs.clientCert), thumbprintOf(certs.renewedClientCert)];
    // The token bound to the old certificate meets the new one (401), the one-shot retry renews it with the new certificate.
    expect(api.calls.map((call) => [call.status, call.certificateThumbprint])).toEqual([
      [200, oldCertificate],
      [401, newCertificate],
      [200, newCertificate],
      [200, newCertificate],
    ]);
    expect(idp.tokenRequests - tokenRequestsBefore).toBe(1);
    expect(inspect(app.moduleRef, { depth: 6 })).not.toContain(secretLine(certs.renewedClientKey));
  });

  it('a certificate file that stops being a certificate (the key written in its place): the API call fails with a CredentialError naming the file, without key material', async () => {
    volume = new KubernetesSecretVolume({ 'tls.crt': certs.clientCert, 'tls.key': certs.clientKey });
    app = await startHttpApp(optionsWith(true, { cert: { file: volume.path('tls.crt') }, key: { file: volume.path('tls.key') } } as never));
    await expect(app.send({ url: '/invoices' })).resolves.toMatchObject({ status: 200 });
    volume.update({ 'tls.crt': certs.clientKey });
    const error = await app.send({ url: '/invoices' }).catch((reason: unknown) => reason);
    expect(error).toBeInstanceOf(CredentialError);
    expect((error as CredentialError).message).toContain(`tlsClientAuth.cert (file ${volume.path('tls.crt')})`);
    for (const shown of [inspect(error, { depth: 10 }), JSON.stringify(error), String((error as Error).stack)])
      expect(shown).not.toContain(secretLine(certs.clientKey));
    expect(api.calls).toHaveLength(1);
  });
});

describe('http.presentClientCertificate is refused at startup where it cannot be honoured', () => {
  const certs = { cert: '-----BEGIN CERTIFICATE-----', key: '-----BEGIN PRIVATE KEY-----' };
  const fieldsOf = async (options: TokenModuleOptions) => {
    const error = await startTokenApp(options).catch((reason: unknown) => reason);
    expect(error).toBeInstanceOf(TokenConfigError);
    return (error as TokenConfigError).problems.map((problem) => problem.field);
  };
  const BASE = { tokenUrl: 'https://idp.example.com/token', clientId: CLIENT_ID };

  it('without tls_client_auth there is no certificate to present', async () => {
    await expect(
      fieldsOf({ ...BASE, clientSecret: 'svc-secret', http: { baseURL: 'https://api.example.com', presentClientCertificate: true } }),
    ).resolves.toEqual(['http.presentClientCertificate']);
  });

  it('with an httpsAgent of its own, the fetch adapter, or with every origin allowed', async () => {
    const fields = await fieldsOf({
      ...BASE,
      clientAuthMethod: 'tls_client_auth',
      tlsClientAuth: certs,
      http: { allowedOrigins: ['*'], presentClientCertificate: true, httpsAgent: new HttpsAgent(), adapter: 'fetch' },
    });
    expect(fields).toEqual(expect.arrayContaining(['http.presentClientCertificate', 'http.httpsAgent', 'http.adapter']));
    await expect(
      fieldsOf({ ...BASE, clientSecret: 's', http: { baseURL: 'https://api.example.com', presentClientCertificate: 'yes' as never } }),
    ).resolves.toEqual(['http.presentClientCertificate']);
  });
});
