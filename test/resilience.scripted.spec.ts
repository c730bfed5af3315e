import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { Logger } from '@nestjs/common';
import { TokenEndpointError, TokenResponseError, type TokenModuleOptions } from '../lib/index.js';
import { TokenManagerService } from './support/standalone-token-manager.js';
import { validateTokenOptions } from '../lib/validation/validate-token-options.js';
import { ManualClock } from './support/manual-clock.js';
import { ScriptedTokenEndpoint } from './support/scripted-token-endpoint.js';

/** Scenarios that need the clock to move while a token request is in flight: a scripted endpoint stands in for the IdP. */
describe('refresh timing against a scripted token endpoint', () => {
  let manager: TokenManagerService | undefined;
  beforeAll(() => Logger.overrideLogger(false));
  afterAll(() => Logger.overrideLogger(new Logger()));
  afterEach(() => manager?.onModuleDestroy());

  function start(clock: ManualClock, endpoint: ScriptedTokenEndpoint, options: Partial<TokenModuleOptions> = {}): TokenManagerService {
    const resolved = validateTokenOptions({
      tokenUrl: 'https://idp.example.test/token',
      clientId: 'c',
      clientSecret: 's',
      clock: clock.now,
      ...options,
    });
    manager = new TokenManagerService(resolved, endpoint.asClient());
    return manager;
  }

  it('a token whose lifetime ran out while its response was on the way is refused, not handed out', async () => {
    const clock = new ManualClock();
    const endpoint = new ScriptedTokenEndpoint(clock);
    endpoint.outcomes.push({ kind: 'token', lifetimeSeconds: 5, delayMs: 30 });
    const manager = start(clock, endpoint);
    const waiting = manager.getAccessToken();
    clock.advanceSeconds(5);
    await expect(waiting).rejects.toThrow(new TokenResponseError(200, 'the token expired (expires_in 5 s) before its response arrived'));
    expect(manager.getTokenInfo()).toBeNull();
  });

  it('the total deadline is read from the injected clock: once it has passed, no further retry starts', async () => {
    const clock = new ManualClock();
    const endpoint = new ScriptedTokenEndpoint(clock);
    // A retry would get a token (nothing more is scripted), so a rejection proves that none started.
    endpoint.outcomes.push({ kind: 'status', status: 503, delayMs: 20 });
    const manager = start(clock, endpoint, { retry: { maxAttempts: 10, initialDelayMs: 1, maxDelayMs: 1, totalDeadlineMs: 10_000 } });
    const waiting = manager.getAccessToken();
    clock.advanceMs(10_001);
    await expect(waiting).rejects.toBeInstanceOf(TokenEndpointError);
    expect(endpoint.requests).toBe(1);
  });

  it('during an outage 1,000 callers on a stale token over three cooldown windows cause three refreshes of maxAttempts requests each', async () => {
    const clock = new ManualClock();
    const endpoint = new ScriptedTokenEndpoint(clock);
    const manager = start(clock, endpoint, { failureCooldownMs: 1000, retry: { maxAttempts: 3, initialDelayMs: 1, maxDelayMs: 2 } });
    const token = await manager.getAccessToken();
    endpoint.outcomes.push(...Array.from({ length: 100 }, () => ({ kind: 'status' as const, status: 500, delayMs: 0 })));
    clock.advanceSeconds(3400);
    const failures: unknown[] = [];
    manager.events$.subscribe((event) => event.type === 'refresh_failed' && failures.push(event));
    for (let window = 1; window <= 3; window++) {
      for (let i = 0; i < 1000 / 3; i++) expect(await manager.getAccessToken()).toBe(token);
      for (let waited = 0; failures.length < window && waited < 2000; waited += 5) await new Promise((resolve) => setTimeout(resolve, 5));
      expect(failures).toHaveLength(window);
      expect(endpoint.requests).toBe(1 + 3 * window);
      clock.advanceMs(1000);
    }
    expect(endpoint.maxInFlight).toBe(1);
  });
});
