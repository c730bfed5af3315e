import { afterEach, beforeAll, afterAll, describe, expect, it } from '@jest/globals';
import { Logger } from '@nestjs/common';
import type { IssuedToken } from '../../lib/core/issued-token.interface.js';
import { TokenEndpointError } from '../../lib/errors/token-endpoint.error.js';
import { RefreshFlight } from '../../lib/manager/refresh-flight.js';
import { TokenCache } from '../../lib/manager/token-cache.js';
import type { TokenEvent } from '../../lib/manager/token-event.interface.js';
import { TokenLifecycleReporter } from '../../lib/manager/token-lifecycle.reporter.js';
import { ManualClock } from '../support/manual-clock.js';

const RETRY = { maxAttempts: 3, initialDelayMs: 1, maxDelayMs: 1, maxRetryAfterSeconds: 30, totalDeadlineMs: 30_000 };
const COOLDOWN_MS = 2_000;

/** A token source's answers, in order; counts the attempts and holds each until released when `held`. */
class ScriptedFetch {
  attempts = 0;
  readonly answers: Array<IssuedToken | Error> = [];
  held = false;
  readonly #releases: Array<() => void> = [];
  readonly fetch = async (signal: AbortSignal): Promise<IssuedToken> => {
    this.attempts += 1;
    const answer = this.answers.shift() ?? token(`token-${this.attempts}`);
    if (this.held) await new Promise<void>((resolve) => this.#releases.push(resolve));
    signal.throwIfAborted();
    if (answer instanceof Error) throw answer;
    return answer;
  };
  release(): void {
    for (const release of this.#releases.splice(0)) release();
  }
}

function token(accessToken: string): IssuedToken {
  return { accessToken, tokenType: 'Bearer', expiresInSeconds: 3600, expiresInDefaulted: false };
}

function serverError(status: number, retryAfterSeconds?: number): TokenEndpointError {
  return new TokenEndpointError({ method: 'POST', url: 'https://idp.example.test/token', status, retryAfterSeconds });
}

describe('the refresh flight', () => {
  const flights: RefreshFlight[] = [];
  beforeAll(() => Logger.overrideLogger(false));
  afterAll(() => Logger.overrideLogger(new Logger()));
  afterEach(() => flights.splice(0).forEach((flight) => flight.close()));

  function start(clock = new ManualClock()) {
    const cache = new TokenCache({ cache: true, refreshMarginSeconds: 300, clock: clock.now });
    const reporter = TokenLifecycleReporter.forClient(clock.now, 'RefreshFlightSpec');
    const events: TokenEvent[] = [];
    reporter.events$.subscribe((event) => events.push(event));
    const flight = new RefreshFlight({ clock: clock.now, retry: RETRY, failureCooldownMs: COOLDOWN_MS }, cache, reporter);
    flights.push(flight);
    return { clock, cache, flight, events, source: new ScriptedFetch() };
  }

  it('100 waiters share one attempt and all get its token, which goes to the cache', async () => {
    const { flight, cache, source } = start();
    source.held = true;
    const waiting = Array.from({ length: 100 }, () => flight.wait(source.fetch));
    source.release();
    await expect(Promise.all(waiting)).resolves.toEqual(Array.from({ length: 100 }, () => 'token-1'));
    expect(source.attempts).toBe(1);
    expect(cache.current?.value).toBe('token-1');
  });

  it('a waiter that gives up (abort) does not cancel the refresh for the others: no ref-counting', async () => {
    const { flight, source } = start();
    source.held = true;
    const impatient = new AbortController();
    const gaveUp = flight.wait(source.fetch, impatient.signal);
    const patient = flight.wait(source.fetch);
    impatient.abort();
    await expect(gaveUp).rejects.toMatchObject({ name: 'AbortError' });
    source.release();
    await expect(patient).resolves.toBe('token-1');
    expect(source.attempts).toBe(1);
  });

  it('a caller who arrives after the only waiter gave up joins the same refresh: still one attempt', async () => {
    const { flight, cache, source } = start();
    source.held = true;
    const impatient = new AbortController();
    const gaveUp = flight.wait(source.fetch, impatient.signal);
    impatient.abort();
    await expect(gaveUp).rejects.toMatchObject({ name: 'AbortError' });
    const latecomer = flight.wait(source.fetch);
    source.release();
    await expect(latecomer).resolves.toBe('token-1');
    expect(source.attempts).toBe(1);
    expect(cache.current?.value).toBe('token-1');
  });

  it('transient failures are retried inside the one refresh; the waiters see only the token', async () => {
    const { flight, source, events } = start();
    source.answers.push(serverError(503), serverError(502));
    await expect(flight.wait(source.fetch)).resolves.toBe('token-3');
    expect(source.attempts).toBe(3);
    expect(events.map((event) => event.type)).toEqual(['retrying', 'retrying', 'acquired']);
  });

  it('a 400 is not retried: one attempt, its error for every waiter', async () => {
    const { flight, source } = start();
    source.answers.push(serverError(400));
    const waiting = [flight.wait(source.fetch), flight.wait(source.fetch)];
    await expect(Promise.all(waiting)).rejects.toBeInstanceOf(TokenEndpointError);
    expect(source.attempts).toBe(1);
  });

  it('after a refresh failed for good, callers during the cooldown get its error at once; after it, a new refresh starts', async () => {
    const { clock, flight, source, events } = start();
    const outage = serverError(400);
    source.answers.push(outage);
    await expect(flight.wait(source.fetch)).rejects.toBe(outage);
    clock.advanceMs(COOLDOWN_MS - 1);
    await expect(flight.wait(source.fetch)).rejects.toBe(outage);
    expect(source.attempts).toBe(1);
    clock.advanceMs(1);
    await expect(flight.wait(source.fetch)).resolves.toBe('token-2');
    expect(events.map((event) => event.type)).toEqual(['refresh_failed', 'acquired']);
  });

  it("a server's Retry-After longer than the cooldown extends it", async () => {
    const { clock, flight, source } = start();
    // A 400 is not retried, so the cooldown starts at once; a Retry-After counts whatever the status.
    const slowDown = serverError(400, 10);
    source.answers.push(slowDown);
    await expect(flight.wait(source.fetch)).rejects.toBe(slowDown);
    clock.advanceMs(COOLDOWN_MS);
    await expect(flight.wait(source.fetch)).rejects.toBe(slowDown);
    clock.advanceMs(10_000 - COOLDOWN_MS);
    await expect(flight.wait(source.fetch)).resolves.toBe('token-2');
  });

  it('a background refresh that fails is reported, never thrown at anyone, and starts the cooldown', async () => {
    const { flight, source, events } = start();
    source.answers.push(serverError(401));
    flight.startInBackground(source.fetch);
    await new Promise((resolve) => setImmediate(resolve));
    expect(events.map((event) => event.type)).toEqual(['refresh_failed']);
    flight.startInBackground(source.fetch);
    expect(source.attempts).toBe(1);
  });

  it('after close (module shutdown) a caller gets an AbortError and no attempt starts', async () => {
    const { flight, source } = start();
    flight.close();
    await expect(flight.wait(source.fetch)).rejects.toMatchObject({ name: 'AbortError' });
    expect(source.attempts).toBe(0);
  });
});
