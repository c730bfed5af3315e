import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { TokenEndpointError, type TokenEvent, type TokenModuleOptions } from '../lib/index.js';
import { oauthError, serverError, times, tooManyRequests, unavailable } from './support/idp-faults.js';
import { ManualClock } from './support/manual-clock.js';
import { TestIdp } from './support/test-idp.js';
import { startTokenApp, type TokenApp } from './support/token-app.js';

const CLIENT = { clientId: 'test-client', clientSecret: 'test-secret-value-1234' };

describe('retries of transient token-endpoint failures, against oidc-provider', () => {
  let idp: TestIdp;
  let app: TokenApp | undefined;
  let clock: ManualClock;

  beforeAll(async () => {
    idp = await TestIdp.start();
  });
  afterAll(async () => {
    await idp.stop();
  });
  beforeEach(() => {
    idp.tokenRequests = 0;
    idp.delayMs = 0;
    idp.faults.length = 0;
    clock = new ManualClock();
  });
  afterEach(async () => {
    await app?.close();
    app = undefined;
  });

  async function start(options: Partial<TokenModuleOptions> = {}): Promise<TokenApp> {
    app = await startTokenApp({
      tokenUrl: idp.tokenUrl,
      ...CLIENT,
      clock: clock.now,
      retry: { initialDelayMs: 5, maxDelayMs: 20 },
      ...options,
    });
    return app;
  }

  function recordEvents(target: TokenApp): TokenEvent[] {
    const events: TokenEvent[] = [];
    target.manager.events$.subscribe((event) => events.push(event));
    return events;
  }

  it('a 503, a 500 and a 429 in a row are retried inside one refresh: 50 callers get one token, the IdP sees 4 requests', async () => {
    const { manager } = await start();
    idp.faults.push(unavailable(), serverError(), tooManyRequests());
    const tokens = await Promise.all(Array.from({ length: 50 }, () => manager.getAccessToken()));
    expect(new Set(tokens).size).toBe(1);
    expect(tokens[0]).toMatch(/^eyJ/);
    expect(idp.tokenRequests).toBe(4);
  });

  it('invalid_client (401) is never retried', async () => {
    const { manager } = await start({ clientSecret: 'not-the-secret' });
    await expect(manager.getAccessToken()).rejects.toMatchObject({ name: 'TokenEndpointError', status: 401, error: 'invalid_client' });
    expect(idp.tokenRequests).toBe(1);
  });

  it('invalid_scope (400) is never retried', async () => {
    const { manager } = await start();
    idp.faults.push(oauthError(400, 'invalid_scope'));
    await expect(manager.getAccessToken()).rejects.toMatchObject({ status: 400, error: 'invalid_scope' });
    expect(idp.tokenRequests).toBe(1);
  });

  it('after maxAttempts transient failures every waiter gets the last error, and the IdP saw exactly maxAttempts requests', async () => {
    const { manager } = await start({ retry: { maxAttempts: 3, initialDelayMs: 5, maxDelayMs: 20 } });
    idp.faults.push(...times(10, unavailable));
    const results = await Promise.allSettled(Array.from({ length: 20 }, () => manager.getAccessToken()));
    const reasons = new Set(results.map((result) => (result.status === 'rejected' ? result.reason : 'fulfilled')));
    expect(reasons.size).toBe(1);
    expect([...reasons][0]).toBeInstanceOf(TokenEndpointError);
    expect(([...reasons][0] as TokenEndpointError).status).toBe(503);
    expect(idp.tokenRequests).toBe(3);
  });

  it('Retry-After in seconds sets the wait before the retry', async () => {
    const target = await start({ retry: { initialDelayMs: 5, maxDelayMs: 20 } });
    const events = recordEvents(target);
    idp.faults.push(unavailable('1'));
    await expect(target.manager.getAccessToken()).resolves.toMatch(/^eyJ/);
    expect(events.filter((event) => event.type === 'retrying')).toEqual([
      expect.objectContaining({ retry: 1, delayMs: 1000, errorClass: 'TokenEndpointError' }),
    ]);
    expect(idp.tokenRequests).toBe(2);
  });

  it('Retry-After as an HTTP date is honoured relative to the injected clock', async () => {
    const target = await start();
    const events = recordEvents(target);
    idp.faults.push(tooManyRequests(new Date(clock.nowMs + 1000).toUTCString()));
    await expect(target.manager.getAccessToken()).resolves.toMatch(/^eyJ/);
    expect(events.find((event) => event.type === 'retrying')).toMatchObject({ delayMs: 1000 });
  });

  it('a Retry-After longer than maxRetryAfterSeconds is shortened to it', async () => {
    const target = await start({ retry: { maxRetryAfterSeconds: 0, initialDelayMs: 0, maxDelayMs: 0 } });
    const events = recordEvents(target);
    idp.faults.push(unavailable('86400'));
    await expect(target.manager.getAccessToken()).resolves.toMatch(/^eyJ/);
    expect(events.find((event) => event.type === 'retrying')).toMatchObject({ delayMs: 0 });
  });

  it('no retry starts after totalDeadlineMs: a Retry-After beyond the deadline ends the refresh at once', async () => {
    const { manager } = await start({ retry: { totalDeadlineMs: 500 } });
    idp.faults.push(unavailable('5'));
    await expect(manager.getAccessToken()).rejects.toMatchObject({ status: 503, retryAfterSeconds: 5 });
    expect(idp.tokenRequests).toBe(1);
  });

  it('a caller that aborts during the retry wait is rejected alone; the refresh goes on for the others', async () => {
    const { manager } = await start({ retry: { initialDelayMs: 200, maxDelayMs: 200 } });
    idp.faults.push(unavailable('0'), unavailable('0'));
    const controller = new AbortController();
    const aborted = manager.getAccessToken({ signal: controller.signal });
    const others = Promise.all(Array.from({ length: 5 }, () => manager.getAccessToken()));
    controller.abort();
    await expect(aborted).rejects.toMatchObject({ name: 'AbortError' });
    const tokens = await others;
    expect(new Set(tokens).size).toBe(1);
    expect(idp.tokenRequests).toBe(3);
  });

  it('app.close() during a retry wait rejects the waiters with an AbortError at once and sends nothing more', async () => {
    const target = await start({ retry: { initialDelayMs: 60_000, maxDelayMs: 60_000, totalDeadlineMs: 120_000 } });
    idp.faults.push(unavailable('30'));
    const waiting = target.manager.getAccessToken();
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(idp.tokenRequests).toBe(1);
    await target.close();
    app = undefined;
    await expect(waiting).rejects.toMatchObject({ name: 'AbortError' });
    await expect(target.manager.getAccessToken()).rejects.toMatchObject({ name: 'AbortError' });
    expect(idp.tokenRequests).toBe(1);
  });

  describe('cooldown after a refresh fails for good', () => {
    it('callers within failureCooldownMs get the same error at once without a request; after it the next call succeeds', async () => {
      const { manager } = await start({ failureCooldownMs: 3000 });
      idp.faults.push(oauthError(400, 'invalid_request'));
      const first = await manager.getAccessToken().catch((error: unknown) => error);
      expect(first).toBeInstanceOf(TokenEndpointError);
      clock.advanceMs(2999);
      const during = await Promise.allSettled(Array.from({ length: 100 }, () => manager.getAccessToken()));
      expect(during.every((result) => result.status === 'rejected' && result.reason === first)).toBe(true);
      expect(idp.tokenRequests).toBe(1);
      clock.advanceMs(1);
      await expect(manager.getAccessToken()).resolves.toMatch(/^eyJ/);
      expect(idp.tokenRequests).toBe(2);
    });

    it("a server's Retry-After longer than the cooldown extends it", async () => {
      const { manager } = await start({ failureCooldownMs: 1000, retry: { maxAttempts: 1 } });
      idp.faults.push(tooManyRequests('20'));
      await expect(manager.getAccessToken()).rejects.toMatchObject({ status: 429 });
      clock.advanceSeconds(19);
      await expect(manager.getAccessToken()).rejects.toMatchObject({ status: 429 });
      expect(idp.tokenRequests).toBe(1);
      clock.advanceSeconds(1);
      await expect(manager.getAccessToken()).resolves.toMatch(/^eyJ/);
    });

    it('failureCooldownMs: 0 lets the very next call try again', async () => {
      const { manager } = await start({ failureCooldownMs: 0, retry: { maxAttempts: 1 } });
      idp.faults.push(serverError());
      await expect(manager.getAccessToken()).rejects.toMatchObject({ status: 500 });
      await expect(manager.getAccessToken()).resolves.toMatch(/^eyJ/);
      expect(idp.tokenRequests).toBe(2);
    });
  });

  describe('refresh-ahead and stale-if-error', () => {
    // oidc-provider issues 3600 s tokens; with the default 300 s margin they are stale from 3300 s.
    it('while the IdP is down, the stale token is served until its real expiry, with one refresh per cooldown window; then callers fail', async () => {
      const target = await start({ failureCooldownMs: 5000, retry: { maxAttempts: 2, initialDelayMs: 1, maxDelayMs: 1 } });
      const { manager } = target;
      const events = recordEvents(target);
      const token = await manager.getAccessToken();
      expect(idp.tokenRequests).toBe(1);
      idp.faults.push(...times(1000, serverError));

      clock.advanceSeconds(3400);
      const failed = new Promise((resolve) => manager.events$.subscribe((event) => event.type === 'refresh_failed' && resolve(event)));
      const stale = await Promise.all(Array.from({ length: 100 }, () => manager.getAccessToken()));
      expect(stale.every((value) => value === token)).toBe(true);
      await failed;
      expect(idp.tokenRequests).toBe(1 + 2);

      clock.advanceMs(4999);
      expect(await Promise.all(Array.from({ length: 100 }, () => manager.getAccessToken()))).toEqual(Array(100).fill(token));
      await new Promise((resolve) => setTimeout(resolve, 20));
      expect(idp.tokenRequests).toBe(3);

      clock.advanceMs(1);
      await expect(manager.getAccessToken()).resolves.toBe(token);
      await new Promise((resolve) => manager.events$.subscribe((event) => event.type === 'refresh_failed' && resolve(event)));
      expect(idp.tokenRequests).toBe(5);

      clock.advanceSeconds(200);
      const expired = await Promise.allSettled(Array.from({ length: 10 }, () => manager.getAccessToken()));
      expect(expired.every((result) => result.status === 'rejected' && result.reason instanceof TokenEndpointError)).toBe(true);
      expect(events.filter((event) => event.type === 'refresh_failed')).toHaveLength(3);
    });

    it('when the IdP recovers, the background refresh replaces the stale token without any caller waiting', async () => {
      const { manager } = await start();
      const first = await manager.getAccessToken();
      clock.advanceSeconds(3400);
      idp.delayMs = 100;
      const refreshed = new Promise((resolve) => manager.events$.subscribe((event) => event.type === 'refreshed' && resolve(event)));
      expect(await manager.getAccessToken()).toBe(first);
      expect(await manager.getAccessToken()).toBe(first);
      await refreshed;
      const second = await manager.getAccessToken();
      expect(second).not.toBe(first);
      expect(idp.tokenRequests).toBe(2);
      expect(manager.getTokenInfo()?.obtainedAt.getTime()).toBe(clock.nowMs);
    });
  });
});
