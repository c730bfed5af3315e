import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { firstValueFrom } from 'rxjs';
import { TokenEndpointError } from '../lib/index.js';
import { TestIdp } from './support/test-idp.js';
import { startTokenApp, type TokenApp } from './support/token-app.js';

describe('single-flight token acquisition against oidc-provider', () => {
  let idp: TestIdp;
  let app: TokenApp;

  beforeAll(async () => {
    idp = await TestIdp.start();
  });
  afterAll(async () => {
    await idp.stop();
  });
  beforeEach(async () => {
    await app?.close();
    idp.tokenRequests = 0;
    idp.delayMs = 0;
    app = await startTokenApp({ tokenUrl: idp.tokenUrl, clientId: 'test-client', clientSecret: 'test-secret-value-1234' });
  });
  afterAll(async () => {
    await app?.close();
  });

  it('1,000 concurrent callers at cold start make exactly one token request and get the same token', async () => {
    idp.delayMs = 50;
    const tokens = await Promise.all(Array.from({ length: 1000 }, () => app.manager.getAccessToken()));
    expect(idp.tokenRequests).toBe(1);
    expect(tokens).toHaveLength(1000);
    expect(new Set(tokens).size).toBe(1);
    expect(tokens[0]).toMatch(/^eyJ/);
  });

  it('a cached token is served without another request', async () => {
    const first = await app.manager.getAccessToken();
    const again = await Promise.all(Array.from({ length: 100 }, () => app.manager.getAccessToken()));
    expect(idp.tokenRequests).toBe(1);
    expect(again.every((token) => token === first)).toBe(true);
  });

  it('accessToken$ emits the token once and completes, sharing the same request', async () => {
    const values: string[] = [];
    let completed = false;
    await new Promise<void>((resolve, reject) =>
      app.manager.accessToken$.subscribe({
        next: (value) => values.push(value),
        error: reject,
        complete: () => ((completed = true), resolve()),
      }),
    );
    const viaPromise = await app.manager.getAccessToken();
    expect(values).toEqual([viaPromise]);
    expect(completed).toBe(true);
    expect(idp.tokenRequests).toBe(1);
  });

  it('a failed request rejects all its waiters with the same error, is not cached, and the next call succeeds', async () => {
    // Retries and the failure cooldown (test/resilience.*.spec.ts) are off here, to see one bare failure.
    await app.close();
    app = await startTokenApp({
      tokenUrl: idp.tokenUrl,
      clientId: 'test-client',
      clientSecret: 'test-secret-value-1234',
      retry: { maxAttempts: 1 },
      failureCooldownMs: 0,
    });
    idp.faults.push((ctx) => {
      ctx.status = 503;
      ctx.type = 'application/json';
      ctx.body = { error: 'temporarily_unavailable' };
    });
    idp.delayMs = 20;
    const results = await Promise.allSettled(Array.from({ length: 50 }, () => app.manager.getAccessToken()));
    expect(idp.tokenRequests).toBe(1);
    const reasons = new Set(results.map((result) => (result.status === 'rejected' ? result.reason : 'fulfilled')));
    expect(reasons.size).toBe(1);
    const [reason] = reasons;
    expect(reason).toBeInstanceOf(TokenEndpointError);
    expect((reason as TokenEndpointError).status).toBe(503);
    expect((reason as TokenEndpointError).error).toBe('temporarily_unavailable');

    const token = await app.manager.getAccessToken();
    expect(token).toMatch(/^eyJ/);
    expect(idp.tokenRequests).toBe(2);
  });

  it('a caller that aborts its wait does not cancel the shared request for the others', async () => {
    idp.delayMs = 100;
    const controller = new AbortController();
    const aborted = app.manager.getAccessToken({ signal: controller.signal });
    const others = Array.from({ length: 10 }, () => app.manager.getAccessToken());
    const viaObservable = firstValueFrom(app.manager.accessToken$);
    controller.abort();
    await expect(aborted).rejects.toMatchObject({ name: 'AbortError' });
    const tokens = await Promise.all([...others, viaObservable]);
    expect(new Set(tokens).size).toBe(1);
    expect(idp.tokenRequests).toBe(1);
  });
});
