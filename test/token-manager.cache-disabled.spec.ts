import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { MemoryTokenStore, TokenConfigError } from '../lib/index.js';
import { TestIdp } from './support/test-idp.js';
import { startTokenApp, type TokenApp } from './support/token-app.js';

describe('cache: false (every call requests a token, concurrent calls share one request) against oidc-provider', () => {
  let idp: TestIdp;
  let app: TokenApp;
  const options = { clientId: 'test-client', clientSecret: 'test-secret-value-1234', cache: false };

  beforeAll(async () => {
    idp = await TestIdp.start();
  });
  afterAll(async () => {
    await app?.close();
    await idp.stop();
  });
  beforeEach(async () => {
    await app?.close();
    idp.tokenRequests = 0;
    idp.delayMs = 0;
    app = await startTokenApp({ tokenUrl: idp.tokenUrl, ...options });
  });

  it('every sequential getAccessToken() requests a new token and nothing is cached', async () => {
    const tokens: string[] = [];
    for (let call = 0; call < 3; call++) tokens.push(await app.manager.getAccessToken());
    expect(idp.tokenRequests).toBe(3);
    expect(new Set(tokens).size).toBe(3);
    expect(app.manager.getTokenInfo()).toBeNull();
  });

  it('callers arriving while a request is in flight share it: 100 concurrent callers, one request', async () => {
    idp.delayMs = 50;
    const tokens = await Promise.all(Array.from({ length: 100 }, () => app.manager.getAccessToken()));
    expect(idp.tokenRequests).toBe(1);
    expect(new Set(tokens).size).toBe(1);
    await app.manager.getAccessToken();
    expect(idp.tokenRequests).toBe(2);
  });

  it('cache: false with a stable window or a session exchange is rejected at startup', async () => {
    const error = await startTokenApp({
      tokenUrl: idp.tokenUrl,
      ...options,
      stableAfterSeconds: 30,
      sessionExchange: { url: '/session', code: 'one-time-code' },
    }).catch((reason: unknown) => reason);
    expect(error).toBeInstanceOf(TokenConfigError);
    expect((error as TokenConfigError).problems.map((problem) => problem.field).sort()).toEqual([
      'sessionExchange',
      'stableAfterSeconds',
      'stableAfterSeconds',
    ]);
    expect((error as Error).message).not.toContain('one-time-code');
  });

  it('cache: false with a fleet store is rejected at startup: the store is a cache too, and would keep handing out a rejected token', async () => {
    const error = await startTokenApp({ tokenUrl: idp.tokenUrl, ...options, store: new MemoryTokenStore() }).catch(
      (reason: unknown) => reason,
    );
    expect(error).toBeInstanceOf(TokenConfigError);
    expect((error as TokenConfigError).problems).toEqual([{ field: 'store', message: expect.stringContaining('cache: false') }]);
  });
});
