import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Logger } from '@nestjs/common';
import fc from 'fast-check';
import { TokenEndpointError, TokenError } from '../lib/index.js';
import { TokenManagerService } from './support/standalone-token-manager.js';
import { validateTokenOptions } from '../lib/validation/validate-token-options.js';
import { retryDelayMs } from '../lib/retry/retry-delay.js';
import { ManualClock } from './support/manual-clock.js';
import { type ScriptedOutcome, ScriptedTokenEndpoint } from './support/scripted-token-endpoint.js';

/** Fixed, so a failure replays; fast-check prints seed and path of the shrunk counterexample. */
const SEED = Number(process.env.FC_SEED ?? 20261124);
const NUM_RUNS = Number(process.env.FC_RUNS ?? 300);

type Command =
  | { readonly kind: 'advance'; readonly ms: number }
  /** Moves the clock to a point (0 = start, 1 = end) of the cached token's stale window, or to its expiry. */
  | { readonly kind: 'advanceInto'; readonly target: 'stale' | 'expiry'; readonly fraction: number }
  | { readonly kind: 'callers'; readonly count: number; readonly abortable: boolean }
  | { readonly kind: 'abortWaiting' }
  | { readonly kind: 'invalidate'; readonly rejected: 'current' | 'old' | 'none' }
  | { readonly kind: 'script'; readonly outcomes: readonly ScriptedOutcome[] }
  | { readonly kind: 'wait'; readonly ms: number }
  /** The IdP goes down just as the cached token turns stale, and callers arrive. */
  | {
      readonly kind: 'outageDuringRefreshAhead';
      readonly outcomes: readonly ScriptedOutcome[];
      readonly fraction: number;
      readonly callers: number;
    };

const delayMs = fc.integer({ min: 0, max: 3 });
const outcome: fc.Arbitrary<ScriptedOutcome> = fc.oneof(
  fc.record({ kind: fc.constant('token' as const), lifetimeSeconds: fc.integer({ min: 1, max: 900 }), delayMs }),
  fc.record({
    kind: fc.constant('token' as const),
    lifetimeSeconds: fc.integer({ min: 60, max: 900 }),
    delayMs: fc.integer({ min: 5, max: 15 }),
  }),
  fc.record({ kind: fc.constant('status' as const), status: fc.constantFrom(500, 502, 503, 504), delayMs }),
  fc.record({
    kind: fc.constant('status' as const),
    status: fc.constant(429),
    retryAfterSeconds: fc.integer({ min: 0, max: 120 }),
    delayMs,
  }),
  fc.record({ kind: fc.constant('status' as const), status: fc.constantFrom(400, 401), delayMs }),
  fc.record({ kind: fc.constant('malformed' as const), delayMs }),
  fc.record({ kind: fc.constant('hang' as const), delayMs: fc.integer({ min: 5, max: 15 }) }),
);
/** An outage: the same failure for several requests in a row, enough to exhaust the retries of a refresh. */
const outage: fc.Arbitrary<ScriptedOutcome[]> = fc
  .tuple(
    outcome.filter((scripted) => scripted.kind !== 'token'),
    fc.integer({ min: 1, max: 8 }),
  )
  .map(([failure, count]) => Array<ScriptedOutcome>(count).fill(failure));
const command: fc.Arbitrary<Command> = fc.oneof(
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('advance' as const), ms: fc.integer({ min: 0, max: 5_000 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('advance' as const), ms: fc.integer({ min: 0, max: 1_000_000 }) }) },
  {
    weight: 4,
    arbitrary: fc.record({
      kind: fc.constant('advanceInto' as const),
      target: fc.constantFrom('stale' as const, 'expiry' as const),
      fraction: fc.double({ min: 0, max: 1, noNaN: true }),
    }),
  },
  {
    weight: 5,
    arbitrary: fc.record({ kind: fc.constant('callers' as const), count: fc.integer({ min: 1, max: 20 }), abortable: fc.boolean() }),
  },
  { weight: 1, arbitrary: fc.constant({ kind: 'abortWaiting' as const }) },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('invalidate' as const),
      rejected: fc.constantFrom('current' as const, 'old' as const, 'none' as const),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({ kind: fc.constant('script' as const), outcomes: fc.array(outcome, { minLength: 1, maxLength: 5 }) }),
  },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('script' as const), outcomes: outage }) },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant('outageDuringRefreshAhead' as const),
      outcomes: outage,
      fraction: fc.double({ min: 0, max: 1, noNaN: true }),
      callers: fc.integer({ min: 1, max: 5 }),
    }),
  },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('wait' as const), ms: fc.integer({ min: 0, max: 10 }) }) },
);
const settings = fc.record({
  refreshMarginSeconds: fc.integer({ min: 0, max: 600 }),
  failureCooldownMs: fc.integer({ min: 0, max: 5_000 }),
  maxAttempts: fc.integer({ min: 1, max: 4 }),
  totalDeadlineMs: fc.integer({ min: 0, max: 120_000 }),
});

type Settings = typeof settings extends fc.Arbitrary<infer T> ? T : never;

/** How often the runs reached the states worth testing, so a weak generator cannot pass silently. */
const reached = { staleCalls: 0, expiredCalls: 0, aborted: 0, failedCallers: 0, callsAfterBackgroundFailure: 0 };

interface Caller {
  settled: boolean;
  readonly controller?: AbortController | undefined;
}

const realDelay = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
/** Lets every timer due now and every microtask chain run. */
const turn = () => new Promise<void>((resolve) => setImmediate(resolve));

/** Drives one manager through `commands` and returns every broken invariant it saw. */
async function runScenario(config: Settings, commands: readonly Command[]): Promise<string[]> {
  const clock = new ManualClock();
  const endpoint = new ScriptedTokenEndpoint(clock);
  const options = validateTokenOptions({
    tokenUrl: 'https://idp.example.test/token',
    clientId: 'property-client',
    clientSecret: 'property-secret',
    clock: clock.now,
    refreshMarginSeconds: config.refreshMarginSeconds,
    failureCooldownMs: config.failureCooldownMs,
    // Retry waits are real timers: keep them short; Retry-After is covered by resilience.retry.spec.ts.
    retry: {
      maxAttempts: config.maxAttempts,
      initialDelayMs: 2,
      maxDelayMs: 3,
      maxRetryAfterSeconds: 0,
      totalDeadlineMs: config.totalDeadlineMs,
    },
  });
  const manager = new TokenManagerService(options, endpoint.asClient());
  const violations: string[] = [];
  const callers: Caller[] = [];
  const tokensSeen: string[] = [];
  // The model: the token the manager must be able to serve, from the endpoint's answers and our invalidations.
  // A token that arrives already expired is refused by the manager, so the model skips it too.
  let modelToken: { value: string; expiresAtMs: number } | undefined;
  let failedSinceModelToken = false;
  endpoint.onIssued = (value, expiresAtMs) => {
    if (clock.nowMs < expiresAtMs) modelToken = { value, expiresAtMs };
    failedSinceModelToken = false;
  };
  manager.events$.subscribe((event) => {
    if (event.type === 'refresh_failed') failedSinceModelToken = true;
  });

  const call = (abortable: boolean): Caller => {
    const controller = abortable ? new AbortController() : undefined;
    const info = manager.getTokenInfo();
    const validTokenCached = modelToken !== undefined && clock.nowMs < modelToken.expiresAtMs;
    if (validTokenCached && info?.expiresAt.getTime() !== modelToken!.expiresAtMs) violations.push('the manager lost a valid token');
    const stale = validTokenCached && clock.nowMs >= info!.refreshAt.getTime();
    if (stale) reached.staleCalls += 1;
    if (validTokenCached && failedSinceModelToken) reached.callsAfterBackgroundFailure += 1;
    if (!validTokenCached) reached.expiredCalls += 1;
    const caller: Caller = { settled: false, controller };
    callers.push(caller);
    manager.getAccessToken(controller ? { signal: controller.signal } : undefined).then(
      (token) => {
        caller.settled = true;
        tokensSeen.push(token);
        const expiresAtMs = endpoint.expiresAtMs.get(token);
        if (expiresAtMs === undefined) violations.push(`a caller got ${token}, which the endpoint never issued`);
        else if (clock.nowMs >= expiresAtMs) violations.push(`${token} handed out at ${clock.nowMs}, expired at ${expiresAtMs}`);
      },
      (error: unknown) => {
        caller.settled = true;
        const isAbort = (error as { name?: unknown } | null)?.name === 'AbortError';
        if (isAbort) reached.aborted += 1;
        else reached.failedCallers += 1;
        if (validTokenCached) violations.push(`a caller failed (${String(error)}) although a valid token was cached`);
        if (isAbort && !controller?.signal.aborted) violations.push('a caller got an AbortError it did not ask for');
        if (!isAbort && !(error instanceof TokenError)) violations.push(`a caller failed with a non-TokenError: ${String(error)}`);
      },
    );
    return caller;
  };

  const advanceInto = (target: 'stale' | 'expiry', fraction: number) => {
    const info = manager.getTokenInfo();
    if (info === null) return;
    const [from, to] =
      target === 'stale'
        ? [info.refreshAt.getTime(), info.expiresAt.getTime()]
        : [info.expiresAt.getTime() - 1, info.expiresAt.getTime() + 1];
    clock.nowMs = Math.max(clock.nowMs, Math.floor(from + fraction * (to - from)));
  };

  for (const step of commands) {
    switch (step.kind) {
      case 'advance':
        clock.advanceMs(step.ms);
        break;
      case 'advanceInto':
        advanceInto(step.target, step.fraction);
        break;
      case 'outageDuringRefreshAhead':
        endpoint.outcomes.push(...step.outcomes);
        advanceInto('stale', step.fraction);
        for (let i = 0; i < step.callers; i++) call(false);
        break;
      case 'callers':
        for (let i = 0; i < step.count; i++) call(step.abortable);
        break;
      case 'abortWaiting':
        for (const caller of callers) if (!caller.settled) caller.controller?.abort();
        break;
      case 'invalidate': {
        const rejected = step.rejected === 'none' ? undefined : step.rejected === 'current' ? tokensSeen.at(-1) : 'token-0';
        manager.invalidate(rejected);
        if (rejected === undefined || rejected === modelToken?.value) modelToken = undefined;
        break;
      }
      case 'script':
        endpoint.outcomes.push(...step.outcomes);
        break;
      case 'wait':
        await realDelay(step.ms);
        break;
    }
    await turn();
  }

  // Every caller settles: each refresh is bounded (attempts × (hang + backoff)), so a generous real bound means a hang.
  for (let waited = 0; callers.some((caller) => !caller.settled) && waited < 3_000; waited += 5) await realDelay(5);
  const hung = callers.filter((caller) => !caller.settled).length;
  if (hung > 0) violations.push(`${hung} caller(s) never settled`);
  // Quiet: no request in flight for longer than any retry wait.
  for (let quiet = 0, waited = 0; quiet < 4 && waited < 3_000; waited += 5) {
    await realDelay(5);
    quiet = endpoint.inFlight === 0 ? quiet + 1 : 0;
  }
  if (endpoint.maxInFlight > 1) violations.push(`${endpoint.maxInFlight} token requests were in flight at once`);
  if (endpoint.cancelled > 0) violations.push(`${endpoint.cancelled} shared token request(s) cancelled by a caller`);

  // After any failure, once the IdP is healthy and the cooldown has passed, the next call succeeds.
  endpoint.outcomes.length = 0;
  clock.advanceMs(config.failureCooldownMs);
  const recovered = await manager.getAccessToken().catch((error: unknown) => error);
  if (typeof recovered !== 'string') violations.push(`no recovery after the IdP healed: ${String(recovered)}`);
  else if (clock.nowMs >= (endpoint.expiresAtMs.get(recovered) ?? 0)) violations.push('recovered with an expired token');

  void manager.onModuleDestroy();
  await turn();
  return violations;
}

describe('resilience properties (fast-check, model-based)', () => {
  // No unhandled rejection: jest-circus fails the running test on any unhandled rejection. A
  // process.on('unhandledRejection') counter cannot see them here: the test sandbox has its own
  // `process`, and Jest's handler on the real one consumes them.
  beforeAll(() => {
    Logger.overrideLogger(false);
  });
  afterAll(() => {
    Logger.overrideLogger(new Logger());
  });

  it(`random interleavings of clock, callers, aborts, invalidations and IdP outcomes keep every invariant (${NUM_RUNS} runs, seed ${SEED})`, async () => {
    let runs = 0;
    await fc.assert(
      fc.asyncProperty(settings, fc.array(command, { minLength: 1, maxLength: 30 }), async (config, commands) => {
        runs += 1;
        const violations = await runScenario(config, commands);
        if (violations.length > 0) throw new Error(`invariants broken (replay with FC_SEED=${SEED}):\n  ${violations.join('\n  ')}`);
      }),
      { seed: SEED, numRuns: NUM_RUNS, endOnFailure: false },
    );
    await realDelay(10);
    expect(runs).toBeGreaterThanOrEqual(NUM_RUNS);
    expect(reached).toEqual({
      staleCalls: expect.any(Number),
      expiredCalls: expect.any(Number),
      aborted: expect.any(Number),
      failedCallers: expect.any(Number),
      callsAfterBackgroundFailure: expect.any(Number),
    });
    process.stdout.write(`states reached: ${JSON.stringify(reached)}\n`);
    for (const [state, count] of Object.entries(reached)) expect([state, count > 0]).toEqual([state, true]);
  });

  it('a backoff delay lies in [0, min(maxDelayMs, initialDelayMs·2^(retry-1))), raised to a capped Retry-After', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 40 }),
        fc.integer({ min: 0, max: 10_000 }),
        fc.integer({ min: 0, max: 60_000 }),
        fc.option(fc.integer({ min: 0, max: 100_000 }), { nil: undefined }),
        fc.integer({ min: 0, max: 120 }),
        fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }),
        (retry, initialDelayMs, extraDelayMs, retryAfterSeconds, maxRetryAfterSeconds, draw) => {
          const options = {
            maxAttempts: 5,
            initialDelayMs,
            maxDelayMs: initialDelayMs + extraDelayMs,
            maxRetryAfterSeconds,
            totalDeadlineMs: 0,
          };
          const backoff = retryDelayMs(retry, new TokenEndpointError({ status: 503 }), options, () => draw);
          const ceiling = Math.min(options.maxDelayMs, initialDelayMs * 2 ** (retry - 1));
          expect(backoff).toBeGreaterThanOrEqual(0);
          expect(backoff <= ceiling && (backoff < ceiling || ceiling === 0)).toBe(true);
          if (retryAfterSeconds !== undefined) {
            const withRetryAfter = retryDelayMs(retry, new TokenEndpointError({ status: 503, retryAfterSeconds }), options, () => draw);
            expect(withRetryAfter).toBe(Math.max(backoff, Math.min(retryAfterSeconds, maxRetryAfterSeconds) * 1000));
          }
        },
      ),
      { seed: SEED, numRuns: 500 },
    );
  });
});
