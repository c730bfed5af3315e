import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createServer as createHttpsServer, type Server as HttpsServer } from 'node:https';
import { TokenConfigError, TokenEndpointError, type TokenModuleOptions } from '../lib/index.js';
import { closeHttpServer, freePort, listenOnLoopback } from './support/loopback.js';
import { json, ProgrammableServer } from './support/programmable-server.js';
import { generateTestCertificates, type TestCertificates } from './support/test-certificates.js';
import { TestIdp } from './support/test-idp.js';
import { startTokenApp } from './support/token-app.js';

const CLIENT = { clientId: 'test-client', clientSecret: 'test-secret-value-1234' };

describe('issuer discovery against oidc-provider', () => {
  let idp: TestIdp;

  beforeAll(async () => {
    idp = await TestIdp.start({ format: 'opaque' });
  });
  afterAll(async () => {
    await idp.stop();
  });

  it('issuer instead of tokenUrl: the token endpoint comes from /.well-known/openid-configuration', async () => {
    idp.tokenRequests = 0;
    const app = await startTokenApp({ issuer: idp.issuer, ...CLIENT });
    try {
      await expect(app.manager.getAccessToken()).resolves.toEqual(expect.any(String));
      expect(idp.tokenRequests).toBe(1);
      expect(JSON.parse(JSON.stringify(app.manager))).toMatchObject({ tokenUrl: idp.tokenUrl });
    } finally {
      await app.close();
    }
  });

  it('the revocation and introspection endpoints are discovered too: revokeOnShutdown revokes at the discovered endpoint', async () => {
    const app = await startTokenApp({ issuer: idp.issuer, ...CLIENT, revokeOnShutdown: true, stableAfterSeconds: 60 });
    const token = await app.manager.getAccessToken();
    idp.tokenRequests = 0;
    await expect(app.manager.getAccessToken()).resolves.toBe(token); // stable window: confirmed by introspection, no token request
    expect(idp.tokenRequests).toBe(0);
    const basic = Buffer.from(`${CLIENT.clientId}:${CLIENT.clientSecret}`).toString('base64');
    const isActive = async () => {
      const introspection = await fetch(idp.introspectionUrl, {
        method: 'POST',
        headers: { authorization: `Basic ${basic}`, 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ token }).toString(),
      });
      return ((await introspection.json()) as { active: boolean }).active;
    };
    expect(await isActive()).toBe(true);
    await app.close();
    expect(await isActive()).toBe(false);
  });
});

describe('issuer discovery: RFC 8414 fallback and failures', () => {
  let server: ProgrammableServer;
  let metadata: Record<string, unknown> | undefined;
  let tenantIssuer: string;

  beforeAll(async () => {
    server = await ProgrammableServer.start((request, response) => {
      if (request.url === '/tenant/.well-known/openid-configuration') return json(response, 404, { error: 'not_found' });
      if (request.url === '/.well-known/oauth-authorization-server/tenant' && metadata) return json(response, 200, metadata);
      if (request.url === '/tenant/oauth/token')
        return json(response, 200, { access_token: 'from-rfc8414', token_type: 'Bearer', expires_in: 600 });
      json(response, 404, { error: 'not_found' });
    });
    tenantIssuer = `${server.url}/tenant`;
  });
  afterAll(async () => {
    await server.stop();
  });

  it('falls back to /.well-known/oauth-authorization-server/<path> when there is no OpenID configuration', async () => {
    metadata = { issuer: tenantIssuer, token_endpoint: `${tenantIssuer}/oauth/token` };
    const app = await startTokenApp({ issuer: tenantIssuer, ...CLIENT });
    try {
      await expect(app.manager.getAccessToken()).resolves.toBe('from-rfc8414');
    } finally {
      await app.close();
    }
  });

  it.each([
    [
      'names another issuer (mix-up)',
      { issuer: 'https://evil.example.com', token_endpoint: 'https://evil.example.com/token' },
      'the discovery document names a different issuer',
    ],
    ['has no token_endpoint', { issuer: '' }, 'the discovery document has no token_endpoint'],
    ['has a non-http token_endpoint', { issuer: '', token_endpoint: 'ftp://x/token' }, 'discovered token_endpoint is not an http(s) URL'],
  ])('startup fails with TokenConfigError when the metadata %s', async (_scenario, document, message) => {
    metadata = { ...document, issuer: document.issuer || tenantIssuer };
    const error = await startTokenApp({ issuer: tenantIssuer, ...CLIENT }).catch((reason: unknown) => reason);
    expect(error).toBeInstanceOf(TokenConfigError);
    expect((error as TokenConfigError).problems).toContainEqual({ field: 'issuer', message });
  });

  it('startup fails with TokenConfigError when revokeOnShutdown needs a revocation endpoint the issuer does not have', async () => {
    metadata = { issuer: tenantIssuer, token_endpoint: `${tenantIssuer}/oauth/token` };
    const error = await startTokenApp({ issuer: tenantIssuer, ...CLIENT, revokeOnShutdown: true }).catch((reason: unknown) => reason);
    expect(error).toBeInstanceOf(TokenConfigError);
    expect((error as TokenConfigError).problems).toEqual([
      { field: 'revokeOnShutdown', message: 'the issuer has no revocation_endpoint; set revocationUrl' },
    ]);
  });

  it('startup fails with TokenEndpointError when neither metadata document exists', async () => {
    metadata = undefined;
    const error = await startTokenApp({ issuer: tenantIssuer, ...CLIENT }).catch((reason: unknown) => reason);
    expect(error).toBeInstanceOf(TokenEndpointError);
    expect(error).toMatchObject({ endpoint: 'discovery', status: 404 });
    expect((error as Error).message).toBe(
      `Discovery endpoint GET ${new URL(tenantIssuer).origin}/.well-known/oauth-authorization-server${new URL(tenantIssuer).pathname} answered HTTP 404`,
    );
  });

  it('startup fails with TokenEndpointError when the issuer is unreachable', async () => {
    const port = await freePort();
    const error = await startTokenApp({ issuer: `http://127.0.0.1:${port}`, ...CLIENT }).catch((reason: unknown) => reason);
    expect(error).toBeInstanceOf(TokenEndpointError);
    expect(error).toMatchObject({ endpoint: 'discovery', code: 'ECONNREFUSED' });
    expect((error as Error).message).toBe(
      `Discovery endpoint GET http://127.0.0.1:${port}/.well-known/openid-configuration unreachable (ECONNREFUSED)`,
    );
  });

  it('tokenUrl and issuer together are rejected', async () => {
    const error = await startTokenApp({ issuer: tenantIssuer, tokenUrl: `${tenantIssuer}/oauth/token`, ...CLIENT }).catch(
      (reason: unknown) => reason,
    );
    expect(error).toBeInstanceOf(TokenConfigError);
    expect((error as TokenConfigError).problems).toEqual([{ field: 'issuer', message: 'set either tokenUrl or issuer, not both' }]);
  });
});

describe('issuer discovery: plain http endpoints under an https issuer', () => {
  let certs: TestCertificates;
  let server: HttpsServer;
  let issuer: string;
  let metadata: Record<string, unknown>;
  /** The client trusts the test CA through tlsClientAuth.ca, which discovery uses for the issuer too. */
  let client: Pick<TokenModuleOptions, 'clientId' | 'clientAuthMethod' | 'tlsClientAuth'>;

  beforeAll(async () => {
    certs = generateTestCertificates('discovery-client');
    server = createHttpsServer({ cert: certs.serverCert, key: certs.serverKey }, (request, response) => {
      response.writeHead(request.url === '/realms/acme/.well-known/openid-configuration' ? 200 : 404, {
        'content-type': 'application/json',
      });
      response.end(JSON.stringify(request.url === '/realms/acme/.well-known/openid-configuration' ? metadata : { error: 'not_found' }));
    });
    issuer = `https://127.0.0.1:${await listenOnLoopback(server)}/realms/acme`;
    client = {
      clientId: 'discovery-client',
      clientAuthMethod: 'tls_client_auth',
      tlsClientAuth: { cert: certs.clientCert, key: certs.clientKey, ca: certs.caCert },
    };
  });
  afterAll(() => closeHttpServer(server));

  it('an http token, revocation or introspection endpoint on another host fails startup, naming each endpoint without its query string', async () => {
    metadata = {
      issuer,
      token_endpoint: 'http://keycloak.internal:8080/realms/acme/protocol/openid-connect/token?tenant=acme',
      revocation_endpoint: 'http://keycloak.internal:8080/realms/acme/protocol/openid-connect/revoke',
      introspection_endpoint: `${issuer}/protocol/openid-connect/token/introspect`,
    };
    const error = await startTokenApp({ issuer, ...client }).catch((reason: unknown) => reason);
    expect(error).toBeInstanceOf(TokenConfigError);
    const messages = (error as TokenConfigError).problems.map((problem) => `${problem.field}: ${problem.message}`);
    expect(messages).toEqual([
      expect.stringMatching(
        /^issuer: discovered token_endpoint http:\/\/keycloak\.internal:8080\/realms\/acme\/protocol\/openid-connect\/token is plain http under an https issuer: .*allowHttpDiscoveredEndpoints/,
      ),
      expect.stringMatching(
        /^issuer: discovered revocation_endpoint http:\/\/keycloak\.internal:8080\/realms\/acme\/protocol\/openid-connect\/revoke is plain http under an https issuer/,
      ),
    ]);
    expect((error as Error).message).not.toContain('tenant=acme');
  });

  it('plain http on a loopback host (a sidecar, a local IdP) is accepted', async () => {
    metadata = { issuer, token_endpoint: 'http://127.0.0.1:8181/token', revocation_endpoint: 'http://localhost:8181/revoke' };
    const app = await startTokenApp({ issuer, ...client });
    try {
      expect(JSON.parse(JSON.stringify(app.manager))).toMatchObject({ tokenUrl: 'http://127.0.0.1:8181/token' });
    } finally {
      await app.close();
    }
  });

  it('allowHttpDiscoveredEndpoints: true accepts plain http endpoints on any host', async () => {
    metadata = { issuer, token_endpoint: 'http://keycloak.internal:8080/realms/acme/protocol/openid-connect/token' };
    const app = await startTokenApp({ issuer, ...client, allowHttpDiscoveredEndpoints: true });
    try {
      expect(JSON.parse(JSON.stringify(app.manager))).toMatchObject({ tokenUrl: metadata.token_endpoint });
    } finally {
      await app.close();
    }
  });
});
