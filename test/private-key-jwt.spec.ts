import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { inspect } from 'node:util';
import { decodeProtectedHeader, jwtVerify } from 'jose';
import { TokenConfigError, TokenEndpointError } from '../lib/index.js';
import { json, ProgrammableServer } from './support/programmable-server.js';
import { TestIdp } from './support/test-idp.js';
import { startTokenApp } from './support/token-app.js';

const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const stranger = generateKeyPairSync('rsa', { modulusLength: 2048 });
const pkcs8 = (key: KeyObject) => key.export({ type: 'pkcs8', format: 'pem' }) as string;
const publicJwk = (key: KeyObject, kid: string) => ({ ...key.export({ format: 'jwk' }), kid, use: 'sig' });

describe('private_key_jwt (RFC 7523) against oidc-provider', () => {
  let idp: TestIdp;

  beforeAll(async () => {
    idp = await TestIdp.start({
      clients: [
        {
          clientId: 'rsa-client',
          clientSecret: 'unused-secret-1',
          authMethod: 'private_key_jwt',
          jwks: { keys: [publicJwk(rsa.publicKey, 'rsa-1')] },
        },
        {
          clientId: 'ec-client',
          clientSecret: 'unused-secret-2',
          authMethod: 'private_key_jwt',
          jwks: { keys: [publicJwk(ec.publicKey, 'ec-1')] },
        },
      ],
    });
  });
  afterAll(async () => {
    await idp.stop();
  });

  const tokenWith = async (clientId: string, privateKeyJwt: Parameters<typeof startTokenApp>[0]['privateKeyJwt']) => {
    const app = await startTokenApp({ tokenUrl: idp.tokenUrl, clientId, clientAuthMethod: 'private_key_jwt', privateKeyJwt });
    try {
      return await app.manager.getAccessToken();
    } finally {
      await app.close();
    }
  };

  it('an RS256 assertion from a PKCS#8 PEM key with a kid gets a token', async () => {
    await expect(tokenWith('rsa-client', { key: pkcs8(rsa.privateKey), kid: 'rsa-1' })).resolves.toMatch(/^eyJ/);
  });

  it('a PS256 assertion from a PKCS#1 PEM key gets a token', async () => {
    const pkcs1 = rsa.privateKey.export({ type: 'pkcs1', format: 'pem' }) as string;
    await expect(tokenWith('rsa-client', { key: pkcs1, kid: 'rsa-1', algorithm: 'PS256' })).resolves.toMatch(/^eyJ/);
  });

  it('an ES256 assertion from a private JWK (kid taken from the JWK) gets a token', async () => {
    await expect(tokenWith('ec-client', { key: { ...ec.privateKey.export({ format: 'jwk' }), kid: 'ec-1' } })).resolves.toMatch(/^eyJ/);
  });

  it('a key the IdP does not know is refused as invalid_client', async () => {
    const error = await tokenWith('rsa-client', { key: pkcs8(stranger.privateKey), kid: 'rsa-1' }).catch((reason: unknown) => reason);
    expect(error).toBeInstanceOf(TokenEndpointError);
    expect(error).toMatchObject({ status: 401, error: 'invalid_client' });
  });
});

describe('private_key_jwt also authenticates revocation and introspection (oidc-provider, opaque tokens)', () => {
  let idp: TestIdp;
  const inspector = { clientId: 'inspector', clientSecret: 'inspector-secret-1' };

  beforeAll(async () => {
    idp = await TestIdp.start({
      format: 'opaque',
      clients: [
        {
          clientId: 'rsa-client',
          clientSecret: 'unused-secret-1',
          authMethod: 'private_key_jwt',
          jwks: { keys: [publicJwk(rsa.publicKey, 'rsa-1')] },
        },
        inspector,
      ],
    });
  });
  afterAll(async () => {
    await idp.stop();
  });

  it('the stable window introspects with an assertion, and revokeOnShutdown revokes with one', async () => {
    const app = await startTokenApp({
      tokenUrl: idp.tokenUrl,
      clientId: 'rsa-client',
      clientAuthMethod: 'private_key_jwt',
      privateKeyJwt: { key: pkcs8(rsa.privateKey), kid: 'rsa-1' },
      introspectionUrl: idp.introspectionUrl,
      revocationUrl: idp.revocationUrl,
      stableAfterSeconds: 60,
      revokeOnShutdown: true,
    });
    const basic = Buffer.from(`${inspector.clientId}:${inspector.clientSecret}`).toString('base64');
    const isActive = async (token: string) => {
      const introspection = await fetch(idp.introspectionUrl, {
        method: 'POST',
        headers: { authorization: `Basic ${basic}`, 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ token }).toString(),
      });
      return ((await introspection.json()) as { active: boolean }).active;
    };
    const token = await app.manager.getAccessToken();
    await expect(app.manager.getAccessToken()).resolves.toBe(token);
    expect(idp.tokenRequests).toBe(1);
    expect(await isActive(token)).toBe(true);
    await app.close();
    expect(await isActive(token)).toBe(false);
  });
});

describe('what a client assertion contains', () => {
  let server: ProgrammableServer;

  beforeAll(async () => {
    server = await ProgrammableServer.start((_request, response) =>
      json(response, 200, { access_token: `t-${Math.random()}`, token_type: 'Bearer', expires_in: 3600 }),
    );
  });
  afterAll(async () => {
    await server.stop();
  });

  it('each request carries a fresh assertion: unique jti, iss = sub = client id, aud = token endpoint, 60 s exp, kid header, valid signature', async () => {
    const tokenUrl = `${server.url}/oauth2/token`;
    const app = await startTokenApp({
      tokenUrl,
      clientId: 'okta-service',
      clientAuthMethod: 'private_key_jwt',
      privateKeyJwt: { key: pkcs8(rsa.privateKey), kid: 'rsa-1' },
      cache: false,
    });
    try {
      await app.manager.getAccessToken();
      await app.manager.getAccessToken();
    } finally {
      await app.close();
    }
    const forms = server.requests.map((request) => new URLSearchParams(request.body));
    expect(forms).toHaveLength(2);
    const claims = [];
    for (const form of forms) {
      expect(form.get('client_assertion_type')).toBe('urn:ietf:params:oauth:client-assertion-type:jwt-bearer');
      expect(form.get('client_id')).toBe('okta-service');
      const assertion = form.get('client_assertion')!;
      expect(decodeProtectedHeader(assertion)).toMatchObject({ alg: 'RS256', kid: 'rsa-1', typ: 'JWT' });
      const { payload } = await jwtVerify(assertion, rsa.publicKey, {
        audience: tokenUrl,
        issuer: 'okta-service',
        subject: 'okta-service',
      });
      expect(payload.exp! - payload.iat!).toBe(60);
      claims.push(payload);
    }
    expect(claims[0].jti).toMatch(/^[0-9a-f-]{36}$/);
    expect(claims[0].jti).not.toBe(claims[1].jti);
    expect(server.requests.every((request) => request.headers.authorization === undefined)).toBe(true);
  });
});

describe('private_key_jwt options', () => {
  it('a broken key, a mismatched algorithm and a missing key are reported at startup without quoting the key', async () => {
    const pem = pkcs8(rsa.privateKey);
    const broken = pem.replace(/[A-Za-z]{20}/, 'x');
    const errors = await Promise.all([
      startTokenApp({
        tokenUrl: 'https://idp.example.com/token',
        clientId: 'c',
        clientAuthMethod: 'private_key_jwt',
        privateKeyJwt: { key: broken },
      }).catch((e: unknown) => e),
      startTokenApp({
        tokenUrl: 'https://idp.example.com/token',
        clientId: 'c',
        clientAuthMethod: 'private_key_jwt',
        privateKeyJwt: { key: pem, algorithm: 'ES256' },
      }).catch((e: unknown) => e),
      startTokenApp({
        tokenUrl: 'https://idp.example.com/token',
        clientId: 'c',
        clientAuthMethod: 'private_key_jwt',
        clientSecret: 'not-used-here',
      }).catch((e: unknown) => e),
    ]);
    expect(errors.every((error) => error instanceof TokenConfigError)).toBe(true);
    expect((errors[0] as TokenConfigError).problems).toEqual([
      { field: 'privateKeyJwt.key', message: 'must be a PEM private key or a private JWK' },
    ]);
    expect((errors[1] as TokenConfigError).problems).toEqual([
      { field: 'privateKeyJwt.algorithm', message: 'ES256 does not fit a rsa key' },
    ]);
    expect((errors[2] as TokenConfigError).problems.map((problem) => problem.field).sort()).toEqual(['clientSecret', 'privateKeyJwt']);
    for (const error of errors) expect(inspect(error)).not.toContain(pem.split('\n')[1]);
  });

  it('the private key never shows in inspect() or JSON of the manager and its options', async () => {
    const pem = pkcs8(rsa.privateKey);
    const app = await startTokenApp({
      tokenUrl: 'https://idp.example.com/token',
      clientId: 'c',
      clientAuthMethod: 'private_key_jwt',
      privateKeyJwt: { key: pem, kid: 'k' },
    });
    try {
      const keyLine = pem.split('\n')[1];
      expect(inspect(app.manager, { depth: 10 })).not.toContain(keyLine);
      expect(JSON.stringify(app.manager)).not.toContain(keyLine);
      const { RESOLVED_TOKEN_OPTIONS } = await import('../lib/core/injection-tokens.js');
      const options = app.moduleRef.get(RESOLVED_TOKEN_OPTIONS);
      expect(inspect(options, { depth: 10 })).not.toContain(keyLine);
      expect(JSON.stringify(options)).not.toContain(keyLine);
    } finally {
      await app.close();
    }
  });
});
