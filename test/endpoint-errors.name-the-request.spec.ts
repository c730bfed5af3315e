import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { TokenEndpointError, TokenResponseError, TokenTimeoutError } from '../lib/index.js';
import { freePort } from './support/loopback.js';
import { ManualClock } from './support/manual-clock.js';
import { json, ProgrammableServer } from './support/programmable-server.js';
import { startLoggedTokenApp, type TokenApp } from './support/token-app.js';
import type { CapturingLogger } from './support/capturing-logger.js';

const SECRET = 'named-endpoint-secret-5f1c';
/** A credential some gateways take in the query string (an Azure Functions key): never shown. */
const QUERY_KEY = 'function-key-8d2e7a';
const CLIENT = { clientId: 'orders-service', clientSecret: SECRET, retry: { maxAttempts: 1 } };

describe('every endpoint error names the request: method and URL (origin and path), never the query string', () => {
  let server: ProgrammableServer;
  let app: (TokenApp & { logger: CapturingLogger }) | undefined;
  /** How the token endpoint answers in the current scenario. */
  let tokenAnswer: 'token' | 'invalid_client' | 'html' | 'hang' = 'token';
  let tokenPath: string;

  beforeAll(async () => {
    server = await ProgrammableServer.start((request, response) => {
      const path = request.url.split('?')[0];
      if (path === '/oauth2/revoke') return json(response, 503, { error: 'temporarily_unavailable' });
      if (path === '/oauth2/introspect') return json(response, 500, { error: 'server_error' });
      if (tokenAnswer === 'hang') return;
      if (tokenAnswer === 'invalid_client') return json(response, 401, { error: 'invalid_client' });
      if (tokenAnswer === 'html') {
        response.writeHead(200, { 'content-type': 'text/html' });
        return void response.end('<html>maintenance</html>');
      }
      json(response, 200, { access_token: 'named-endpoint-token', token_type: 'Bearer', expires_in: 3600 });
    });
    tokenPath = `${server.url}/oauth2/token`;
  });
  afterEach(async () => {
    await app?.close();
    app = undefined;
    tokenAnswer = 'token';
  });
  afterAll(() => server.stop());

  const failure = (manager: TokenApp['manager']) =>
    manager.getAccessToken().then(
      () => undefined,
      (reason: unknown) => reason as Error,
    );
  const lines = () => app!.logger.lines.join('\n');

  it('a refused token request: the error and the WARN line name POST and the token URL without its query string', async () => {
    app = await startLoggedTokenApp({ tokenUrl: `${tokenPath}?code=${QUERY_KEY}`, ...CLIENT });
    tokenAnswer = 'invalid_client';
    const error = await failure(app.manager);
    expect(error).toBeInstanceOf(TokenEndpointError);
    expect(error).toMatchObject({ method: 'POST', url: tokenPath, status: 401 });
    expect(error?.message).toBe(`Token endpoint POST ${tokenPath} answered HTTP 401: invalid_client`);
    expect(app.logger.lines).toContainEqual(
      expect.stringMatching(
        new RegExp(`^warn Token refresh failed after \\d+ ms: TokenEndpointError: Token endpoint POST ${tokenPath} answered HTTP 401`),
      ),
    );
    expect(lines()).not.toContain(QUERY_KEY);
    expect(server.requests.at(-1)?.url).toBe(`/oauth2/token?code=${QUERY_KEY}`);
  });

  it('an unreachable token endpoint: "Token endpoint POST <url> unreachable (ECONNREFUSED)"', async () => {
    const url = `http://127.0.0.1:${await freePort()}/oauth2/token`;
    app = await startLoggedTokenApp({ tokenUrl: url, ...CLIENT });
    const error = await failure(app.manager);
    expect(error).toBeInstanceOf(TokenEndpointError);
    expect(error?.message).toBe(`Token endpoint POST ${url} unreachable (ECONNREFUSED)`);
  });

  it('a token endpoint that never answers: "Token endpoint POST <url> timed out after <n> ms"', async () => {
    app = await startLoggedTokenApp({ tokenUrl: tokenPath, ...CLIENT, requestTimeoutMs: 300 });
    tokenAnswer = 'hang';
    const error = await failure(app.manager);
    expect(error).toBeInstanceOf(TokenTimeoutError);
    expect(error).toMatchObject({ method: 'POST', url: tokenPath, timeoutMs: 300 });
    expect(error?.message).toBe(`Token endpoint POST ${tokenPath} timed out after 300 ms`);
  });

  it('an HTML page with status 200: "Malformed token response from POST <url> (HTTP 200): …"', async () => {
    app = await startLoggedTokenApp({ tokenUrl: tokenPath, ...CLIENT });
    tokenAnswer = 'html';
    const error = await failure(app.manager);
    expect(error).toBeInstanceOf(TokenResponseError);
    expect(error?.message).toBe(`Malformed token response from POST ${tokenPath} (HTTP 200): body is not a JSON object`);
  });

  it('a revocation refused at shutdown is logged naming the revocation endpoint', async () => {
    app = await startLoggedTokenApp({
      tokenUrl: tokenPath,
      ...CLIENT,
      revocationUrl: `${server.url}/oauth2/revoke?code=${QUERY_KEY}`,
      revokeOnShutdown: true,
    });
    await app.manager.getAccessToken();
    await app.close();
    expect(app.logger.lines).toContainEqual(
      `warn Token revocation failed: TokenEndpointError: Revocation endpoint POST ${server.url}/oauth2/revoke answered HTTP 503: temporarily_unavailable TokenManager`,
    );
    expect(lines()).not.toContain(QUERY_KEY);
    app = undefined;
  });

  it('a failed stable-window introspection is logged naming the introspection endpoint', async () => {
    const clock = new ManualClock();
    app = await startLoggedTokenApp({
      tokenUrl: tokenPath,
      ...CLIENT,
      introspectionUrl: `${server.url}/oauth2/introspect`,
      stableAfterSeconds: 60,
      clock: clock.now,
    });
    await app.manager.getAccessToken();
    clock.advanceSeconds(1);
    await app.manager.getAccessToken();
    expect(app.logger.lines).toContainEqual(
      expect.stringContaining(`Introspection endpoint POST ${server.url}/oauth2/introspect answered HTTP 500: server_error`),
    );
  });

  it('startup logs the client id and the token endpoint, never the secret or the query string', async () => {
    app = await startLoggedTokenApp({ tokenUrl: `${tokenPath}?code=${QUERY_KEY}`, ...CLIENT });
    expect(app.logger.lines).toContainEqual(
      `log Client "orders-service" gets its tokens from POST ${tokenPath} (client_secret_basic) TokenManager`,
    );
    expect(lines()).not.toContain(SECRET);
    expect(lines()).not.toContain(QUERY_KEY);
  });
});
