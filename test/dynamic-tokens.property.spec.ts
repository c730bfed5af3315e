import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Logger } from '@nestjs/common';
import fc from 'fast-check';
import { type AccessTokenRequestOptions, TokenError } from '../lib/index.js';
import type { TokenParameterSet } from '../lib/options/token-request-parameters.interface.js';
import { validateTokenOptions } from '../lib/validation/validate-token-options.js';
import { ManualClock } from './support/manual-clock.js';
import { type ScriptedOutcome, ScriptedTokenEndpoint } from './support/scripted-token-endpoint.js';
import { TokenManagerService } from './support/standalone-token-manager.js';

const SEED = Number(process.env.FC_SEED ?? 20261201);
const NUM_RUNS = Number(process.env.FC_RUNS ?? 150);

/**
 * Parameter sets callers ask for (the registration's scope is `api:read`), each with the parameters its
 * token must have been requested with, written out by hand: some spell one set differently, some differ
 * only by audience or an extra parameter.
 */
const CASES: readonly { request: AccessTokenRequestOptions; expected: string }[] = [
  { request: {}, expected: 'scope=api:read' },
  { request: { scope: 'api:read' }, expected: 'scope=api:read' },
  { request: { scope: 'api:write api:read' }, expected: 'scope=api:read,api:write' },
  { request: { scope: ['api:read', 'api:write', 'api:read'] }, expected: 'scope=api:read,api:write' },
  { request: { resource: 'https://r1.test/' }, expected: 'scope=api:read resource=https://r1.test/' },
  {
    request: { resource: ['https://r2.test/', 'https://r1.test/'] },
    expected: 'scope=api:read resource=https://r1.test/,https://r2.test/',
  },
  {
    request: { resource: ['https://r1.test/', 'https://r2.test/'] },
    expected: 'scope=api:read resource=https://r1.test/,https://r2.test/',
  },
  {
    request: { resource: 'https://r1.test/', extraParams: { tenant: '1' } },
    expected: 'scope=api:read resource=https://r1.test/ tenant=1',
  },
  {
    request: { resource: 'https://r1.test/', extraParams: { tenant: '2' } },
    expected: 'scope=api:read resource=https://r1.test/ tenant=2',
  },
  { request: { resource: 'https://r1.test/', audience: 'x' }, expected: 'scope=api:read audience=x resource=https://r1.test/' },
  { request: { resource: 'https://r1.test/', audience: 'y' }, expected: 'scope=api:read audience=y resource=https://r1.test/' },
];
const REQUESTS = CASES.map(({ request }) => request);

/** What a token was requested with, in the notation of `CASES` (sets sorted). */
function describeParameters(parameters: TokenParameterSet | undefined): string {
  if (parameters === undefined) return '(none)';
  const sorted = (values: readonly string[]) => [...new Set(values)].sort().join(',');
  return [
    ...(parameters.scope !== undefined ? [`scope=${sorted(parameters.scope.split(' '))}`] : []),
    ...(parameters.audience !== undefined ? [`audience=${parameters.audience}`] : []),
    ...(parameters.resources.length > 0 ? [`resource=${sorted(parameters.resources)}`] : []),
    ...Object.entries(parameters.extraParams)
      .sort()
      .map(([name, value]) => `${name}=${value}`),
  ].join(' ');
}

type Command =
  | { readonly kind: 'callers'; readonly request: number; readonly count: number; readonly forceRenewal: boolean }
  | { readonly kind: 'invalidate'; readonly request: number }
  | { readonly kind: 'script'; readonly outcomes: readonly ScriptedOutcome[] }
  | { readonly kind: 'advance'; readonly ms: number }
  | { readonly kind: 'wait'; readonly ms: number };

const delayMs = fc.integer({ min: 0, max: 3 });
const outcome: fc.Arbitrary<ScriptedOutcome> = fc.oneof(
  fc.record({ kind: fc.constant('token' as const), lifetimeSeconds: fc.integer({ min: 1, max: 900 }), delayMs }),
  fc.record({ kind: fc.constant('status' as const), status: fc.constantFrom(400, 503), delayMs }),
  fc.record({ kind: fc.constant('malformed' as const), delayMs }),
);
const request = fc.integer({ min: 0, max: REQUESTS.length - 1 });
const command: fc.Arbitrary<Command> = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.record({
      kind: fc.constant('callers' as const),
      request,
      count: fc.integer({ min: 1, max: 5 }),
      forceRenewal: fc.boolean(),
    }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('invalidate' as const), request }) },
  {
    weight: 1,
    arbitrary: fc.record({ kind: fc.constant('script' as const), outcomes: fc.array(outcome, { minLength: 1, maxLength: 4 }) }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('advance' as const), ms: fc.integer({ min: 0, max: 600_000 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('wait' as const), ms: fc.integer({ min: 0, max: 4 }) }) },
);

const realDelay = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function run(commands: readonly Command[], maxCachedTokens: number): Promise<string[]> {
  const clock = new ManualClock();
  const endpoint = new ScriptedTokenEndpoint(clock);
  const options = validateTokenOptions({
    tokenUrl: 'https://idp.example.test/token',
    clientId: 'property-client',
    clientSecret: 'property-secret',
    scope: 'api:read',
    clock: clock.now,
    maxCachedTokens,
    failureCooldownMs: 0,
    retry: { maxAttempts: 2, initialDelayMs: 1, maxDelayMs: 2, maxRetryAfterSeconds: 0 },
  });
  const manager = new TokenManagerService(options, endpoint.asClient());
  const violations: string[] = [];
  const pending = new Set<Promise<unknown>>();

  const call = (index: number, forceRenewal: boolean) => {
    const settled = manager.getAccessToken({ ...REQUESTS[index], ...(forceRenewal ? { forceRenewal } : {}) }).then(
      (token) => {
        if (!endpoint.parametersOf.has(token)) violations.push(`a caller got ${token}, which the endpoint never issued`);
        else if (describeParameters(endpoint.parametersOf.get(token)) !== CASES[index].expected) {
          violations.push(`request ${index} got ${token}, minted for ${describeParameters(endpoint.parametersOf.get(token))}`);
        }
        if (clock.nowMs >= endpoint.expiresAtMs.get(token)!) violations.push(`${token} handed out after it expired`);
      },
      (error: unknown) => {
        if (!(error instanceof TokenError)) violations.push(`a caller failed with a non-TokenError: ${String(error)}`);
      },
    );
    pending.add(settled);
    void settled.finally(() => pending.delete(settled));
  };

  for (const step of commands) {
    switch (step.kind) {
      case 'callers':
        for (let i = 0; i < step.count; i++) call(step.request, step.forceRenewal);
        break;
      case 'invalidate':
        manager.invalidate(undefined, REQUESTS[step.request]);
        break;
      case 'script':
        endpoint.outcomes.push(...step.outcomes);
        break;
      case 'advance':
        clock.advanceMs(step.ms);
        break;
      case 'wait':
        await realDelay(step.ms);
        break;
    }
    await Promise.resolve();
  }
  for (let waited = 0; pending.size > 0 && waited < 3_000; waited += 5) await realDelay(5);
  if (pending.size > 0) violations.push(`${pending.size} caller(s) never settled`);
  await manager.onModuleDestroy();
  return violations;
}

describe('per-request parameters (fast-check)', () => {
  beforeAll(() => Logger.overrideLogger(false));
  afterAll(() => Logger.overrideLogger(['log', 'error', 'warn', 'debug', 'verbose']));

  it('over random interleavings of callers, parameter sets, invalidations, evictions and failures, no caller gets a token minted for other parameters', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(command, { minLength: 1, maxLength: 40 }), fc.integer({ min: 1, max: 4 }), async (commands, max) => {
        expect(await run(commands, max)).toEqual([]);
      }),
      { seed: SEED, numRuns: NUM_RUNS },
    );
  });
});
