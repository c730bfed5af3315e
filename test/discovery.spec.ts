import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { TokenConfigError, TokenEndpointError } from '../lib/index.js';
import { freePort } from './support/loopback.js';
import { json, ProgrammableServer } from './support/programmable-server.js';
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
      if (request.url === '/tenant/oauth/token') return json(response, 200, { access_token: 'from-rfc8414', token_type: 'Bearer', expires_in: 600 });
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
    ['names another issuer (mix-up)', { issuer: 'https://evil.example.com', token_endpoint: 'https://evil.example.com/token' }, 'the discovery document names a different issuer'],
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
    expect((error as TokenConfigError).problems).toEqual([{ field: 'revokeOnShutdown', message: 'the issuer has no revocation_endpoint; set revocationUrl' }]);
  });

  it('startup fails with TokenEndpointError when neither metadata document exists', async () => {
    metadata = undefined;
    const error = await startTokenApp({ issuer: tenantIssuer, ...CLIENT }).catch((reason: unknown) => reason);
    expect(error).toBeInstanceOf(TokenEndpointError);
    expect(error).toMatchObject({ endpoint: 'discovery', status: 404 });
    expect((error as Error).message).toBe(`Discovery endpoint GET ${new URL(tenantIssuer).origin}/.well-known/oauth-authorization-server${new URL(tenantIssuer).pathname} answered HTTP 404`);
  });

  it('startup fails with TokenEndpointError when the issuer is unreachable', async () => {
    const port = await freePort();
    const error = await startTokenApp({ issuer: `http://127.0.0.1:${port}`, ...CLIENT }).catch((reason: unknown) => reason);
    expect(error).toBeInstanceOf(TokenEndpointError);
    expect(error).toMatchObject({ endpoint: 'discovery', code: 'ECONNREFUSED' });
    expect((error as Error).message).toBe(`Discovery endpoint GET http://127.0.0.1:${port}/.well-known/openid-configuration unreachable (ECONNREFUSED)`);
  });

  it('tokenUrl and issuer together are rejected', async () => {
    const error = await startTokenApp({ issuer: tenantIssuer, tokenUrl: `${tenantIssuer}/oauth/token`, ...CLIENT }).catch((reason: unknown) => reason);
    expect(error).toBeInstanceOf(TokenConfigError);
    expect((error as TokenConfigError).problems).toEqual([{ field: 'issuer', message: 'set either tokenUrl or issuer, not both' }]);
  });
});
