import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { TokenEndpointError } from '../lib/index.js';
import { json, ProgrammableServer } from './support/programmable-server.js';
import { TestIdp } from './support/test-idp.js';
import { startTokenApp } from './support/token-app.js';

const TRICKY_SECRET = 'a+b:c%/= ~';

describe('client authentication against oidc-provider', () => {
  let idp: TestIdp;

  beforeAll(async () => {
    idp = await TestIdp.start({
      clients: [
        { clientId: 'basic:client', clientSecret: TRICKY_SECRET },
        { clientId: 'post-client', clientSecret: TRICKY_SECRET, authMethod: 'client_secret_post' },
      ],
    });
  });
  afterAll(async () => {
    await idp.stop();
  });

  it('client_secret_basic form-urlencodes an id and a secret with + : % / = space ~ before base64 (RFC 6749 §2.3.1)', async () => {
    const app = await startTokenApp({ tokenUrl: idp.tokenUrl, clientId: 'basic:client', clientSecret: TRICKY_SECRET, scope: ['api:read'] });
    try {
      await expect(app.manager.getAccessToken()).resolves.toMatch(/^eyJ/);
      expect(app.manager.getTokenInfo()?.scope).toBe('api:read');
    } finally {
      await app.close();
    }
  });

  it('client_secret_post sends the credentials in the form body', async () => {
    const app = await startTokenApp({
      tokenUrl: idp.tokenUrl,
      clientId: 'post-client',
      clientSecret: TRICKY_SECRET,
      clientAuthMethod: 'client_secret_post',
    });
    try {
      await expect(app.manager.getAccessToken()).resolves.toMatch(/^eyJ/);
    } finally {
      await app.close();
    }
  });

  it('a wrong secret is rejected by the IdP as invalid_client, without echoing the secret', async () => {
    const app = await startTokenApp({ tokenUrl: idp.tokenUrl, clientId: 'basic:client', clientSecret: 'wrong-secret-value' });
    try {
      const error = await app.manager.getAccessToken().catch((reason: unknown) => reason);
      expect(error).toBeInstanceOf(TokenEndpointError);
      expect(error).toMatchObject({ status: 401, error: 'invalid_client' });
      expect(String((error as Error).stack)).not.toContain('wrong-secret-value');
    } finally {
      await app.close();
    }
  });
});

describe('what is sent to the token endpoint', () => {
  let server: ProgrammableServer;

  beforeAll(async () => {
    server = await ProgrammableServer.start((_request, response) =>
      json(response, 200, { access_token: 'issued', token_type: 'Bearer', expires_in: 60 }),
    );
  });
  afterAll(async () => {
    await server.stop();
  });

  it('a form POST with grant_type, scope, audience, every resource, extra params and Accept: application/json', async () => {
    const app = await startTokenApp({
      tokenUrl: `${server.url}/oauth/token`,
      clientId: 'shape-client',
      clientSecret: 'shape-secret',
      scope: 'read  write',
      audience: 'https://api.example.com',
      resource: ['https://a.example.com/', 'https://b.example.com/'],
      extraParams: { tenant: 'acme' },
    });
    try {
      await app.manager.getAccessToken();
      const request = server.requests.at(-1)!;
      expect(request.method).toBe('POST');
      expect(request.url).toBe('/oauth/token');
      expect(request.headers['content-type']).toBe('application/x-www-form-urlencoded');
      expect(request.headers.accept).toBe('application/json');
      const form = new URLSearchParams(request.body);
      expect(form.get('grant_type')).toBe('client_credentials');
      expect(form.get('scope')).toBe('read write');
      expect(form.get('audience')).toBe('https://api.example.com');
      expect(form.getAll('resource')).toEqual(['https://a.example.com/', 'https://b.example.com/']);
      expect(form.get('tenant')).toBe('acme');
      expect(form.has('client_secret')).toBe(false);
      expect(request.headers.authorization).toBe(`Basic ${Buffer.from('shape-client:shape-secret').toString('base64')}`);
    } finally {
      await app.close();
    }
  });

  it('client_secret_post puts client_id and client_secret in the body and sends no Authorization header', async () => {
    const app = await startTokenApp({
      tokenUrl: `${server.url}/token`,
      clientId: 'p',
      clientSecret: 's3cr3t-post',
      clientAuthMethod: 'client_secret_post',
    });
    try {
      await app.manager.getAccessToken();
      const request = server.requests.at(-1)!;
      const form = new URLSearchParams(request.body);
      expect(form.get('client_id')).toBe('p');
      expect(form.get('client_secret')).toBe('s3cr3t-post');
      expect(request.headers.authorization).toBeUndefined();
    } finally {
      await app.close();
    }
  });
});
