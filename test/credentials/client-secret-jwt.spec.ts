import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { inspect } from 'node:util';
import { TokenEndpointError } from '../../lib/index.js';
import { TestIdp } from '../support/test-idp.js';
import { startTokenApp } from '../support/token-app.js';

// HS256 needs a key of at least 256 bits: oidc-provider refuses shorter secrets for client_secret_jwt.
const SECRET = 'client-secret-jwt-0123456789abcdef0123456789';

describe('client_secret_jwt (RFC 7523, HS256 keyed with the secret) against oidc-provider', () => {
  let idp: TestIdp;

  beforeAll(async () => {
    idp = await TestIdp.start({ clients: [{ clientId: 'hmac-client', clientSecret: SECRET, authMethod: 'client_secret_jwt' }] });
  });
  afterAll(async () => {
    await idp.stop();
  });

  const tokenWith = async (clientSecret: string | (() => Promise<string>)) => {
    const app = await startTokenApp({
      tokenUrl: idp.tokenUrl,
      clientId: 'hmac-client',
      clientAuthMethod: 'client_secret_jwt',
      clientSecret,
    });
    try {
      return await app.manager.getAccessToken();
    } finally {
      await app.close();
    }
  };

  it('an HS256 assertion keyed with the secret gets a token, and the secret is not sent', async () => {
    await expect(tokenWith(SECRET)).resolves.toMatch(/^eyJ/);
    const body = new URLSearchParams(idp.tokenRequestBodies.at(-1) ?? '');
    expect(body.get('client_assertion_type')).toBe('urn:ietf:params:oauth:client-assertion-type:jwt-bearer');
    expect(idp.tokenRequestBodies.join('\n')).not.toContain(SECRET);
  });

  it('a secret from an async function gets a token', async () => {
    await expect(tokenWith(async () => SECRET)).resolves.toMatch(/^eyJ/);
  });

  it('a wrong secret is refused as invalid_client, and the error does not quote it', async () => {
    const wrong = 'wrong-secret-0123456789abcdef0123456789abc';
    const error = await tokenWith(wrong).catch((reason: unknown) => reason);
    expect(error).toBeInstanceOf(TokenEndpointError);
    expect(error).toMatchObject({ status: 401, error: 'invalid_client' });
    expect(inspect(error, { depth: 5 })).not.toContain(wrong);
  });
});
