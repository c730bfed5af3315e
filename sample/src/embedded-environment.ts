import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createRemoteJWKSet, exportJWK, generateKeyPair, jwtVerify } from 'jose';
import Provider from 'oidc-provider';

/** The audience of the demo API; the embedded IdP issues JWT access tokens for it. */
export const DEMO_API_AUDIENCE = 'https://demo-api.local/';

/** An IdP and a protected API on 127.0.0.1, for running the sample (and consumer apps) with no setup. */
export interface EmbeddedEnvironment {
  readonly issuer: string;
  readonly tokenUrl: string;
  readonly apiBaseUrl: string;
  readonly clientId: string;
  readonly clientSecret: string;
  /** Token requests the IdP has answered. */
  tokenRequests(): number;
  /** Closes both servers; an arrow function, so it can be handed on detached. */
  readonly stop: () => Promise<void>;
}

/**
 * Starts oidc-provider (client-credentials client, JWT access tokens, `tokenTtlSeconds` lifetime)
 * and a demo API that verifies those tokens against the IdP's JWKS.
 */
export async function startEmbeddedEnvironment(options: { tokenTtlSeconds?: number } = {}): Promise<EmbeddedEnvironment> {
  const clientId = 'sample-client';
  const clientSecret = randomBytes(18).toString('base64url');
  const idpServer = createServer();
  const issuer = `http://127.0.0.1:${await listen(idpServer)}`;
  const { privateKey } = await generateKeyPair('RS256', { extractable: true });
  const signingKey = { ...(await exportJWK(privateKey)), kid: 'embedded', alg: 'RS256', use: 'sig' };
  const provider = new Provider(issuer, {
    clients: [
      {
        client_id: clientId,
        client_secret: clientSecret,
        grant_types: ['client_credentials'],
        redirect_uris: [],
        response_types: [],
        scope: 'demo:read',
      },
    ],
    jwks: { keys: [signingKey] },
    scopes: ['demo:read'],
    ttl: { ClientCredentials: options.tokenTtlSeconds ?? 120 },
    features: {
      devInteractions: { enabled: false },
      clientCredentials: { enabled: true },
      introspection: { enabled: true },
      revocation: { enabled: true },
      resourceIndicators: {
        enabled: true,
        defaultResource: () => DEMO_API_AUDIENCE,
        useGrantedResource: () => true,
        getResourceServerInfo: () => ({
          scope: 'demo:read',
          audience: DEMO_API_AUDIENCE,
          accessTokenTTL: options.tokenTtlSeconds ?? 120,
          accessTokenFormat: 'jwt',
          jwt: { sign: { alg: 'RS256' } },
        }),
      },
    },
  });
  let tokenRequests = 0;
  provider.use(async (ctx, next) => {
    if (ctx.method === 'POST' && ctx.path === '/token') tokenRequests += 1;
    await next();
  });
  // Koa's handler settles its own errors (it answers 500), so its promise needs no caller.
  const handleIdpRequest = provider.callback();
  idpServer.on('request', (request, response) => void handleIdpRequest(request, response));

  const jwks = createRemoteJWKSet(new URL(`${issuer}/jwks`));
  const apiServer = createServer((request, response) => {
    const authorization = request.headers.authorization ?? '';
    const token = /^Bearer (.+)$/i.exec(authorization)?.[1];
    const reply = (status: number, body: unknown) => {
      response.writeHead(status, { 'content-type': 'application/json', ...(status === 401 ? { 'www-authenticate': 'Bearer' } : {}) });
      response.end(JSON.stringify(body));
    };
    if (!token) return reply(401, { error: 'missing bearer token' });
    jwtVerify(token, jwks, { issuer, audience: DEMO_API_AUDIENCE }).then(
      ({ payload }) =>
        reply(200, { message: 'hello from the protected demo API', path: request.url, client: payload.client_id, scope: payload.scope }),
      () => reply(401, { error: 'invalid token' }),
    );
  });
  const apiBaseUrl = `http://127.0.0.1:${await listen(apiServer)}`;

  return {
    issuer,
    tokenUrl: `${issuer}/token`,
    apiBaseUrl,
    clientId,
    clientSecret,
    tokenRequests: () => tokenRequests,
    stop: async () => {
      for (const server of [idpServer, apiServer]) {
        server.closeAllConnections();
        await new Promise<void>((resolve) => server.close(() => resolve()));
      }
    },
  };
}

async function listen(server: Server): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
}
