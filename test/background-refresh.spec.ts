import { afterAll, afterEach, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { tokenOptionsFromEnvironment } from '../lib/config/index.js';
import { BackgroundRefresher } from '../lib/manager/background-refresher.js';
import { TokenEntries } from '../lib/manager/token-entries.js';
import { MemoryTokenStore, type TokenEvent } from '../lib/index.js';
import { unavailable } from './support/idp-faults.js';
import { ManualClock } from './support/manual-clock.js';
import { startTokenApp, type TokenApp } from './support/token-app.js';
import { TestIdp } from './support/test-idp.js';

const CLIENT = { clientId: 'idle-client', clientSecret: 'idle-secret-value-4471' };
const LIFETIME_SECONDS = 60;

/** Lets real I/O (the IdP's answer) progress while the timers are fake, until `condition` holds. */
async function until(condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise((resolve) => setImmediate(resolve));
}

describe('refreshInBackground: an idle service finds a fresh token when it wakes', () => {
  let idp: TestIdp;
  let app: TokenApp | undefined;
  const others: TokenApp[] = [];

  beforeAll(async () => {
    idp = await TestIdp.start({ clients: [CLIENT], ttlSeconds: LIFETIME_SECONDS });
  });
  afterEach(async () => {
    const started = [...(app ? [app] : []), ...others.splice(0)];
    await Promise.all(started.map((instance) => instance.close()));
    app = undefined;
    jest.useRealTimers();
    idp.faults.length = 0;
  });
  afterAll(async () => {
    await idp.stop();
  });

  /** An app on the injected clock whose `setTimeout` is Jest's, so the refresher's own timer is what fires. */
  async function startIdleApp(clock: ManualClock): Promise<{ refresher: BackgroundRefresher; events: TokenEvent[] }> {
    jest.useFakeTimers({ doNotFake: ['Date', 'hrtime', 'nextTick', 'performance', 'queueMicrotask', 'setImmediate', 'setInterval'] });
    app = await startTokenApp({
      tokenUrl: idp.tokenUrl,
      ...CLIENT,
      clock: clock.now,
      refreshInBackground: true,
      retry: { maxAttempts: 1 },
    });
    const events: TokenEvent[] = [];
    app.manager.events$.subscribe((event) => events.push(event));
    return { refresher: app.moduleRef.get(BackgroundRefresher), events };
  }

  /** Moves clock and timers one second at a time; a refresh the timer started is awaited before the next second. */
  async function idle(clock: ManualClock, refresher: BackgroundRefresher, seconds: number): Promise<void> {
    for (let second = 0; second < seconds; second += 1) {
      clock.advanceSeconds(1);
      await jest.advanceTimersByTimeAsync(1000);
      const expiresAt = app!.manager.getTokenInfo()?.expiresAt.getTime() ?? 0;
      await until(() => refresher.scheduled || clock.nowMs >= expiresAt - 1000);
    }
  }

  it('an app with 60 s tokens idle for three lifetimes serves its next call from memory, with no token request on the call path', async () => {
    const clock = new ManualClock();
    const { refresher, events } = await startIdleApp(clock);
    await app!.manager.getAccessToken();
    const cold = idp.tokenRequests;

    await idle(clock, refresher, 3 * LIFETIME_SECONDS);
    const refreshedInBackground = idp.tokenRequests - cold;
    expect(refreshedInBackground).toBeGreaterThanOrEqual(5);
    expect(events.filter((event) => event.type === 'background_refresh')).toHaveLength(refreshedInBackground);
    expect(events.filter((event) => event.type === 'background_refresh' && event.outcome !== 'success')).toEqual([]);

    expect(app!.manager.peekFreshToken()).toMatch(/^eyJ/);
    await expect(app!.manager.getAccessToken()).resolves.toMatch(/^eyJ/);
    expect(idp.tokenRequests).toBe(cold + refreshedInBackground);
  });

  it('with the IdP down across the refresh it serves the valid token until expiry, tries with backoff, and refreshes once when the IdP is back', async () => {
    const clock = new ManualClock();
    const { refresher, events } = await startIdleApp(clock);
    const first = await app!.manager.getAccessToken();
    const expiresAt = app!.manager.getTokenInfo()!.expiresAt.getTime();
    idp.faults.push(...Array.from({ length: 100 }, () => unavailable()));
    const beforeOutage = idp.tokenRequests;

    await idle(clock, refresher, 50);
    const attemptsWhileDown = idp.tokenRequests - beforeOutage;
    // Doubling backoff from the cooldown: a handful of attempts over the 20 s stale window, not one per second.
    expect(attemptsWhileDown).toBeGreaterThanOrEqual(2);
    expect(attemptsWhileDown).toBeLessThanOrEqual(6);
    expect(events.filter((event) => event.type === 'background_refresh' && event.outcome === 'failure')).toHaveLength(attemptsWhileDown);
    expect(clock.nowMs).toBeLessThan(expiresAt);
    await expect(app!.manager.getAccessToken()).resolves.toBe(first);
    expect(idp.tokenRequests).toBe(beforeOutage + attemptsWhileDown);

    idp.faults.length = 0;
    const succeeded = new Promise((resolve) => app!.manager.events$.subscribe((event) => event.type === 'refreshed' && resolve(event)));
    while (idp.tokenRequests === beforeOutage + attemptsWhileDown) {
      clock.advanceSeconds(1);
      await jest.advanceTimersByTimeAsync(1000);
      await until(() => refresher.scheduled || idp.tokenRequests > beforeOutage + attemptsWhileDown);
    }
    await succeeded;
    expect(idp.tokenRequests).toBe(beforeOutage + attemptsWhileDown + 1);
    expect(clock.nowMs).toBeLessThan(expiresAt);
    await expect(app!.manager.getAccessToken()).resolves.not.toBe(first);
    expect(idp.tokenRequests).toBe(beforeOutage + attemptsWhileDown + 1);
  });

  it('a per-call token callers keep asking for is refreshed in the background; one nobody asks for again is refreshed once, then left to its callers', async () => {
    const clock = new ManualClock();
    const { events } = await startIdleApp(clock);
    const used = { resource: 'https://used.example.test/' };
    const abandoned = { resource: 'https://abandoned.example.test/' };
    await app!.manager.getAccessToken(used);
    await app!.manager.getAccessToken(abandoned);
    const entries = app!.moduleRef.get(TokenEntries);
    const flights = [used, abandoned].map((parameters) => entries.held(parameters)!.flight);
    const cold = idp.tokenRequests;

    for (let lifetime = 0; lifetime < 3; lifetime += 1) {
      for (let second = 0; second < LIFETIME_SECONDS; second += 1) {
        clock.advanceSeconds(1);
        await jest.advanceTimersByTimeAsync(1000);
        await until(() => flights.every((flight) => !flight.inFlight));
      }
      const before = idp.tokenRequests;
      await app!.manager.getAccessToken(used); // once a lifetime, served from memory
      expect(idp.tokenRequests).toBe(before);
    }
    const refreshedFor = (origin: string) =>
      events.filter((event) => event.type === 'background_refresh' && event.outcome === 'success' && event.entry.resourceOrigin === origin);
    expect(refreshedFor('https://used.example.test').length).toBeGreaterThanOrEqual(3);
    expect(refreshedFor('https://abandoned.example.test')).toHaveLength(1);
    expect(idp.tokenRequests - cold).toBe(events.filter((event) => event.type === 'background_refresh').length);
    expect(app!.manager.getTokenInfo(abandoned)!.expiresAt.getTime()).toBeLessThan(clock.nowMs);
  });

  it('a fleet sharing a store refreshes in the background with one token request per refresh: the lease winner fetches, the other adopts', async () => {
    const clock = new ManualClock();
    jest.useFakeTimers({ doNotFake: ['Date', 'hrtime', 'nextTick', 'performance', 'queueMicrotask', 'setImmediate', 'setInterval'] });
    const store = new MemoryTokenStore(clock.now);
    const options = { tokenUrl: idp.tokenUrl, ...CLIENT, clock: clock.now, refreshInBackground: true, retry: { maxAttempts: 1 }, store };
    const fleet = [await startTokenApp(options), await startTokenApp(options)];
    others.push(...fleet);
    const refreshers = fleet.map((instance) => instance.moduleRef.get(BackgroundRefresher));
    const backgroundRefreshes = fleet.map(() => 0);
    fleet.forEach((instance, index) =>
      instance.manager.events$.subscribe((event) => event.type === 'background_refresh' && (backgroundRefreshes[index] += 1)),
    );
    const beforeStart = idp.tokenRequests;
    // One after the other: the second adopts the first one's token without polling on the fake timers.
    for (const instance of fleet) await instance.manager.getAccessToken();
    const cold = idp.tokenRequests;
    expect(cold - beforeStart).toBe(1);

    for (let second = 0; second < 3 * LIFETIME_SECONDS; second += 1) {
      clock.advanceSeconds(1);
      await jest.advanceTimersByTimeAsync(1000);
      // The instance that lost the lease polls the store on (fake) timers until the winner's token is there.
      while (!refreshers.every((refresher) => refresher.scheduled)) await jest.advanceTimersByTimeAsync(10);
    }
    const rounds = backgroundRefreshes[0];
    expect(rounds).toBeGreaterThanOrEqual(5);
    expect(backgroundRefreshes[1]).toBe(rounds);
    expect(idp.tokenRequests - cold).toBe(rounds);
    const [first, second] = fleet.map((instance) => instance.manager.peekFreshToken());
    expect(first).toMatch(/^eyJ/);
    expect(second).toBe(first);
  });

  it('app.close() clears the scheduled refresh (test/standalone-app.idp-down.spec.ts proves its timer never holds a process open)', async () => {
    const clock = new ManualClock();
    app = await startTokenApp({ tokenUrl: idp.tokenUrl, ...CLIENT, clock: clock.now, refreshInBackground: true });
    const refresher = app.moduleRef.get(BackgroundRefresher);
    await app.manager.getAccessToken();
    expect(refresher.scheduled).toBe(true);
    await app.close();
    app = undefined;
    expect(refresher.scheduled).toBe(false);
  });

  it('is off by default: no timer is scheduled and an idle app refreshes only when a caller asks', async () => {
    app = await startTokenApp({ tokenUrl: idp.tokenUrl, ...CLIENT });
    await app.manager.getAccessToken();
    expect(app.moduleRef.get(BackgroundRefresher, { strict: false })).toBeNull();
  });

  it('OAUTH2_REFRESH_IN_BACKGROUND=true turns it on from the environment', async () => {
    const options = tokenOptionsFromEnvironment({
      OAUTH2_TOKEN_URL: idp.tokenUrl,
      OAUTH2_CLIENT_ID: CLIENT.clientId,
      OAUTH2_CLIENT_SECRET: CLIENT.clientSecret,
      OAUTH2_REFRESH_IN_BACKGROUND: 'true',
    });
    expect(options.refreshInBackground).toBe(true);
    app = await startTokenApp(options);
    await app.manager.getAccessToken();
    expect(app.moduleRef.get(BackgroundRefresher).scheduled).toBe(true);
  });
});
