import { describe, expect, it } from '@jest/globals';
import { createHash } from 'node:crypto';
import { TokenConfigError } from '../lib/index.js';
import { TokenManagerService } from './support/standalone-token-manager.js';
import { tokenCacheKey } from '../lib/core/token-store-keys.js';
import { validateTokenOptions } from '../lib/validation/validate-token-options.js';
import { ManualClock } from './support/manual-clock.js';
import { ScriptedTokenEndpoint } from './support/scripted-token-endpoint.js';

const BASE = { tokenUrl: 'https://idp.example.com/oauth2/token', clientId: 'billing', clientSecret: 'billing-secret-0123456789' };
const keyOf = (overrides: Record<string, unknown> = {}) =>
  tokenCacheKey(validateTokenOptions({ ...BASE, ...overrides }).clientFingerprint, undefined);

describe('the token cache key', () => {
  it('is the same for the same settings on every instance, and for scopes and resources in another order', () => {
    expect(keyOf()).toBe(keyOf());
    expect(keyOf({ scope: 'a b', resource: ['https://x.test/', 'https://y.test/'] })).toBe(
      keyOf({ scope: ['b', 'a'], resource: ['https://y.test/', 'https://x.test/'] }),
    );
    expect(keyOf()).toMatch(/^[0-9a-f]{64}$/);
  });

  it.each([
    ['token URL', { tokenUrl: 'https://other-idp.example.com/oauth2/token' }],
    ['client id', { clientId: 'billing-2' }],
    ['client secret', { clientSecret: 'rotated-secret-0123456789' }],
    ['scope', { scope: 'invoices:read' }],
    ['audience', { audience: 'https://api.example.com' }],
    ['resource', { resource: 'https://api.example.com/' }],
    ['extra parameters', { extraParams: { tenant: 'eu' } }],
  ])('differs for another %s, so changed settings never reuse an old token', (_name, change) => {
    expect(keyOf(change)).not.toBe(keyOf());
  });

  it('is exposed on the manager and contains neither the secret nor its hash', () => {
    const options = validateTokenOptions(BASE);
    const manager = new TokenManagerService(options, new ScriptedTokenEndpoint(new ManualClock()).asClient());
    expect(manager.cacheKey).toBe(keyOf());
    expect(manager.cacheKey).not.toContain(BASE.clientSecret);
    expect(manager.cacheKey).not.toContain('billing');
    expect(manager.cacheKey).not.toContain(createHash('sha256').update(BASE.clientSecret).digest('hex'));
    void manager.onModuleDestroy();
  });
});

describe('retry and cooldown options', () => {
  it('default to 4 attempts, 200 ms initial and 5 s maximum delay, 30 s Retry-After cap, 30 s deadline, 2 s cooldown', () => {
    const options = validateTokenOptions(BASE);
    expect(options.retry).toEqual({
      maxAttempts: 4,
      initialDelayMs: 200,
      maxDelayMs: 5_000,
      maxRetryAfterSeconds: 30,
      totalDeadlineMs: 30_000,
    });
    expect(options.failureCooldownMs).toBe(2_000);
  });

  it('report every invalid field by name in one TokenConfigError', () => {
    let error: unknown;
    try {
      validateTokenOptions({
        ...BASE,
        failureCooldownMs: -1,
        retry: { maxAttempts: 0.5, initialDelayMs: 100, maxDelayMs: 10, maxRetryAfterSeconds: 'x', retries: 3 },
      });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(TokenConfigError);
    expect((error as TokenConfigError).problems).toEqual([
      { field: 'retry.retries', message: 'is not a known option' },
      { field: 'retry.maxAttempts', message: 'must be at least 1' },
      { field: 'retry.maxDelayMs', message: 'must be at least retry.initialDelayMs' },
      {
        field: 'retry.maxRetryAfterSeconds',
        message: 'must be a finite number or a decimal string (digits, optionally a decimal point), got a string that is not one',
      },
      { field: 'failureCooldownMs', message: 'must be at least 0' },
    ]);
  });

  it('reject a retry option that is not an object', () => {
    expect(() => validateTokenOptions({ ...BASE, retry: 3 })).toThrow(/retry: must be an object/);
  });
});
