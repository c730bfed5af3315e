import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { inspect } from 'node:util';
import { MemoryTokenStore, SessionTokenExpiredError, TokenConfigError, TokenEndpointError, type TokenModuleOptions } from '../lib/index.js';
import { ManualClock } from './support/manual-clock.js';
import { json, ProgrammableServer, type RecordedRequest } from './support/programmable-server.js';
import { TestIdp } from './support/test-idp.js';
import { startTokenApp, type TokenApp } from './support/token-app.js';

const CODE = 'single-use-code-5f3a9';
const SESSION_TOKEN = 'session-token-c0ffee';

const claimsOf = (bearer: string | undefined) =>
  JSON.parse(
    Buffer.from(
      String(bearer)
        .replace(/^Bearer /, '')
        .split('.')[1],
      'base64url',
    ).toString('utf8'),
  );

describe('session exchange: a client-credentials token traded once for a session token', () => {
  let idp: TestIdp;
  let exchange: ProgrammableServer;
  let clock: ManualClock;
  let app: TokenApp | undefined;
  const exchanges = () => exchange.requests.filter((request) => request.url === '/sessions/exchange');

  beforeAll(async () => {
    idp = await TestIdp.start();
    exchange = await ProgrammableServer.start((request, response) => {
      if (JSON.parse(request.body).code !== CODE)
        return json(response, 400, { error: 'invalid_grant', error_description: `code ${JSON.parse(request.body).code} unknown` });
      json(response, 200, { access_token: SESSION_TOKEN, expires_in: 600 });
    });
  });
  afterAll(async () => {
    await exchange.stop();
    await idp.stop();
  });
  beforeEach(async () => {
    clock = new ManualClock();
    idp.tokenRequests = 0;
    idp.delayMs = 0;
    exchange.requests.length = 0;
  });
  afterEach(async () => {
    await app?.close();
    app = undefined;
  });
  const start = async (code = CODE) => {
    app = await startTokenApp({
      tokenUrl: idp.tokenUrl,
      clientId: 'test-client',
      clientSecret: 'test-secret-value-1234',
      sessionExchange: { url: `${exchange.url}/sessions/exchange`, code },
      clock: clock.now,
      // Each scenario scripts single failures and the very next call; retries and cooldown have their own suite.
      retry: { maxAttempts: 1 },
      failureCooldownMs: 0,
    });
    return app.manager;
  };

  it('50 concurrent callers cause one client-credentials request and one exchange, sent as JSON { code } with the cc token as Bearer', async () => {
    const manager = await start();
    idp.delayMs = 30;
    const tokens = await Promise.all(Array.from({ length: 50 }, () => manager.getAccessToken()));
    expect(new Set(tokens)).toEqual(new Set([SESSION_TOKEN]));
    expect(idp.tokenRequests).toBe(1);
    expect(exchanges()).toHaveLength(1);
    const [request] = exchanges() as [RecordedRequest];
    expect(request.method).toBe('POST');
    expect(request.headers['content-type']).toContain('application/json');
    expect(JSON.parse(request.body)).toEqual({ code: CODE });
    expect(claimsOf(request.headers.authorization)).toMatchObject({ client_id: 'test-client' });
  });

  it('after the session token expires, callers get SessionTokenExpiredError and the code is never exchanged again', async () => {
    const manager = await start();
    await manager.getAccessToken();
    clock.advanceSeconds(599);
    await expect(manager.getAccessToken()).resolves.toBe(SESSION_TOKEN); // no refresh margin: it cannot be renewed
    clock.advanceSeconds(2);
    const results = await Promise.allSettled(Array.from({ length: 10 }, () => manager.getAccessToken()));
    expect(results.every((result) => result.status === 'rejected' && result.reason instanceof SessionTokenExpiredError)).toBe(true);
    expect(exchanges()).toHaveLength(1);
    expect(idp.tokenRequests).toBe(1);
  });

  it('a 401 with the session token (renewRejected or invalidate) gives SessionTokenExpiredError, not a re-exchange', async () => {
    const manager = await start();
    const token = await manager.getAccessToken();
    await expect(manager.renewRejected(token)).rejects.toBeInstanceOf(SessionTokenExpiredError);
    manager.invalidate(token);
    await expect(manager.getAccessToken()).rejects.toBeInstanceOf(SessionTokenExpiredError);
    expect(exchanges()).toHaveLength(1);
  });

  it('a failed client-credentials request leaves the code unspent: the next call exchanges it', async () => {
    const manager = await start();
    idp.faults.push((ctx) => {
      ctx.status = 503;
      ctx.type = 'application/json';
      ctx.body = { error: 'temporarily_unavailable' };
    });
    await expect(manager.getAccessToken()).rejects.toBeInstanceOf(TokenEndpointError);
    expect(exchanges()).toHaveLength(0);
    await expect(manager.getAccessToken()).resolves.toBe(SESSION_TOKEN);
    expect(exchanges()).toHaveLength(1);
  });

  it('a refused exchange spends the code: the error names the exchange endpoint without the code, later calls get SessionTokenExpiredError', async () => {
    const manager = await start('wrong-code-77e1');
    const error = await manager.getAccessToken().catch((reason: unknown) => reason);
    expect(error).toBeInstanceOf(TokenEndpointError);
    expect(error).toMatchObject({ status: 400, error: 'invalid_grant', endpoint: 'session exchange' });
    expect((error as Error).message).toMatch(/^Session exchange endpoint POST http:\/\/127\.0\.0\.1:\d+\/\S+ answered HTTP 400/);
    expect(inspect(error)).not.toContain('wrong-code-77e1');
    await expect(manager.getAccessToken()).rejects.toBeInstanceOf(SessionTokenExpiredError);
    expect(exchanges()).toHaveLength(1);
  });
});

describe('session exchange at a URL relative to the token URL', () => {
  let server: ProgrammableServer;

  beforeAll(async () => {
    server = await ProgrammableServer.start((request, response) => {
      if (request.url === '/api/v3/auth/token')
        return json(response, 200, { access_token: 'cc-token-1', token_type: 'bearer', expires_in: 3600 });
      if (request.url === '/api/v3/biometrics/session-exchange' && request.headers.authorization === 'Bearer cc-token-1') {
        return json(response, 200, { access_token: 'session-from-relative', token_type: 'Bearer', expires_in: 900 });
      }
      json(response, 404, { error: 'not_found' });
    });
  });
  afterAll(async () => {
    await server.stop();
  });

  it('"../biometrics/session-exchange" next to ".../api/v3/auth/token" posts to .../api/v3/biometrics/session-exchange', async () => {
    const app = await startTokenApp({
      tokenUrl: `${server.url}/api/v3/auth/token`,
      clientId: 'session-client',
      clientSecret: 'session-client-secret',
      sessionExchange: { url: '../biometrics/session-exchange', code: 'biometric-code' },
    });
    try {
      await expect(app.manager.getAccessToken()).resolves.toBe('session-from-relative');
      expect(server.requests.map((request) => request.url)).toEqual(['/api/v3/auth/token', '/api/v3/biometrics/session-exchange']);
    } finally {
      await app.close();
    }
  });
});

describe('session exchange next to other registrations of the same client', () => {
  let idp: TestIdp;
  let exchange: ProgrammableServer;
  const apps: TokenApp[] = [];
  const CLIENT = { clientId: 'test-client', clientSecret: 'test-secret-value-1234' };
  const sessionOf = (code: string) => ({ url: `${exchange.url}/sessions/exchange`, code });
  const start = async (options: Partial<TokenModuleOptions>) => {
    const app = await startTokenApp({ tokenUrl: idp.tokenUrl, ...CLIENT, ...options });
    apps.push(app);
    return app.manager;
  };

  beforeAll(async () => {
    idp = await TestIdp.start();
    // Each code is traded for a session token of its own.
    exchange = await ProgrammableServer.start((request, response) =>
      json(response, 200, { access_token: `session-of-${JSON.parse(request.body).code}`, expires_in: 600 }),
    );
  });
  afterEach(async () => {
    await Promise.all(apps.splice(0).map((app) => app.close()));
    exchange.requests.length = 0;
  });
  afterAll(async () => {
    await exchange.stop();
    await idp.stop();
  });

  it('Alice’s and Bob’s session registrations cannot share a fleet store, and a plain client on that store never receives a session token', async () => {
    const store = new MemoryTokenStore();
    for (const code of ['ALICE-code-1f2e', 'BOB-code-3d4c']) {
      const error = await start({ sessionExchange: sessionOf(code), store }).catch((reason: unknown) => reason);
      expect(error).toBeInstanceOf(TokenConfigError);
      expect((error as TokenConfigError).problems).toEqual([{ field: 'sessionExchange', message: expect.stringContaining('store') }]);
      expect(inspect(error)).not.toContain(code);
    }
    const plain = await start({ store });
    const token = await plain.getAccessToken();
    expect(claimsOf(`Bearer ${token}`)).toMatchObject({ client_id: 'test-client' });
    expect(exchange.requests).toHaveLength(0);
  });

  it('without a store, Alice, Bob and a plain client each get their own token, under three different cache keys', async () => {
    const [alice, bob, plain] = await Promise.all([
      start({ sessionExchange: sessionOf('ALICE-code-1f2e') }),
      start({ sessionExchange: sessionOf('BOB-code-3d4c') }),
      start({}),
    ]);
    expect(await alice.getAccessToken()).toBe('session-of-ALICE-code-1f2e');
    expect(await bob.getAccessToken()).toBe('session-of-BOB-code-3d4c');
    expect(claimsOf(`Bearer ${await plain.getAccessToken()}`)).toMatchObject({ client_id: 'test-client' });
    expect(new Set([alice.cacheKey, bob.cacheKey, plain.cacheKey]).size).toBe(3);
  });
});
