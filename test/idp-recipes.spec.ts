import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { ManualClock } from './support/manual-clock.js';
import { json, ProgrammableServer, type RecordedRequest } from './support/programmable-server.js';
import { startTokenApp } from './support/token-app.js';

/**
 * Each IdP's quirk, as that IdP answers (oidc-provider does not reproduce them). docs/idp-recipes.md
 * documents the configuration each test uses.
 */
describe('IdP recipes', () => {
  let server: ProgrammableServer;
  let answer: Record<string, unknown>;
  let clock: ManualClock;
  const lastForm = () => new URLSearchParams((server.requests.at(-1) as RecordedRequest).body);

  beforeAll(async () => {
    server = await ProgrammableServer.start((_request, response) => json(response, 200, answer));
  });
  afterAll(async () => {
    await server.stop();
  });
  beforeEach(() => {
    clock = new ManualClock();
    server.requests.length = 0;
  });

  const tokenFrom = async (options: Omit<Parameters<typeof startTokenApp>[0], 'clock'>) => {
    const app = await startTokenApp({ ...options, clock: clock.now });
    try {
      const token = await app.manager.getAccessToken();
      return { token, info: app.manager.getTokenInfo()! };
    } finally {
      await app.close();
    }
  };

  it('Microsoft Entra ID v1: a string expires_in is honoured (expires_on is ignored), and the <resource>/.default scope is sent as is', async () => {
    answer = {
      token_type: 'Bearer',
      expires_in: '3599',
      ext_expires_in: '3599',
      expires_on: '1767229199',
      resource: 'api://billing-api',
      access_token: 'entra-v1-token',
    };
    const { token, info } = await tokenFrom({
      tokenUrl: `${server.url}/contoso.onmicrosoft.com/oauth2/v2.0/token`,
      clientId: '11111111-2222-3333-4444-555555555555',
      clientSecret: 'entra~secret.value',
      clientAuthMethod: 'client_secret_post',
      scope: 'api://billing-api/.default',
    });
    expect(token).toBe('entra-v1-token');
    expect(info.expiresAt.getTime()).toBe(clock.now() + 3599_000);
    expect(lastForm().get('scope')).toBe('api://billing-api/.default');
    expect(lastForm().get('client_secret')).toBe('entra~secret.value');
  });

  it('Keycloak (older versions): lowercase token_type "bearer" is accepted and normalised', async () => {
    answer = {
      access_token: 'keycloak-token',
      expires_in: 300,
      refresh_expires_in: 0,
      token_type: 'bearer',
      'not-before-policy': 0,
      scope: 'profile email',
    };
    const { token, info } = await tokenFrom({
      tokenUrl: `${server.url}/realms/acme/protocol/openid-connect/token`,
      clientId: 'billing-service',
      clientSecret: 'kc-secret-1',
    });
    expect(token).toBe('keycloak-token');
    expect(info.tokenType).toBe('Bearer');
    expect(info.scope).toBe('profile email');
  });

  it('Auth0: the audience parameter selects the API', async () => {
    answer = { access_token: 'auth0-token', scope: 'read:invoices', expires_in: 86400, token_type: 'Bearer' };
    const { token, info } = await tokenFrom({
      tokenUrl: `${server.url}/oauth/token`,
      clientId: 'auth0-client',
      clientSecret: 'auth0-secret',
      clientAuthMethod: 'client_secret_post',
      audience: 'https://api.example.com/invoices',
    });
    expect(token).toBe('auth0-token');
    expect(lastForm().get('audience')).toBe('https://api.example.com/invoices');
    expect(info.expiresAt.getTime()).toBe(clock.now() + 86_400_000);
  });

  it('Amazon Cognito: resource-server/scope strings pass through unchanged, space-separated', async () => {
    answer = { access_token: 'cognito-token', expires_in: 3600, token_type: 'Bearer' };
    const { token } = await tokenFrom({
      tokenUrl: `${server.url}/oauth2/token`,
      clientId: 'cognito-app-client',
      clientSecret: 'cognito-secret',
      scope: ['https://invoices.example.com/read', 'billing-api/invoices.write'],
    });
    expect(token).toBe('cognito-token');
    expect(lastForm().get('scope')).toBe('https://invoices.example.com/read billing-api/invoices.write');
    expect(server.requests.at(-1)!.headers.authorization).toBe(
      `Basic ${Buffer.from('cognito-app-client:cognito-secret').toString('base64')}`,
    );
  });
});
