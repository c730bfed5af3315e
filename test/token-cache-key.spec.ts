import { describe, expect, it } from '@jest/globals';
import { validateTokenOptions } from '../lib/validation/validate-token-options.js';
import { tokenCacheKey } from '../lib/core/token-store-keys.js';

const BASE = {
  tokenUrl: 'https://idp.example.com/oauth/token',
  clientId: 'billing-service',
  clientSecret: 'billing-secret-value-3456',
  scope: 'api.read api.write',
};
const keyOf = (options: Record<string, unknown>) => tokenCacheKey(validateTokenOptions(options).clientFingerprint, undefined);

describe('the fingerprint a fleet shares a token under', () => {
  it('is the same for the same client and request, and is a bare SHA-256 hex without the client id or secret', () => {
    const key = keyOf(BASE);
    expect(keyOf({ ...BASE })).toBe(key);
    expect(keyOf({ ...BASE, scope: ['api.read', 'api.write'] })).toBe(key);
    expect(key).toMatch(/^[0-9a-f]{64}$/);
    expect(key).not.toContain(BASE.clientId);
    expect(key).not.toContain(BASE.clientSecret);
  });

  it('differs whenever the issued token would: token URL, client id, secret, scope, audience, resource, extra parameters', () => {
    const variants = [
      BASE,
      { ...BASE, tokenUrl: 'https://other-idp.example.com/oauth/token' },
      { ...BASE, clientId: 'billing-service-2' },
      { ...BASE, clientSecret: 'rotated-secret-value-7890' },
      { ...BASE, scope: 'api.read' },
      { ...BASE, audience: 'https://api.example.com' },
      { ...BASE, resource: 'https://api.example.com/' },
      { ...BASE, extraParams: { organization: 'org_123' } },
    ];
    expect(new Set(variants.map(keyOf)).size).toBe(variants.length);
  });

  it('ignores what does not change the token: client authentication method, timeouts, refresh margin', () => {
    expect(keyOf({ ...BASE, clientAuthMethod: 'client_secret_post', requestTimeoutMs: 1_000, refreshMarginSeconds: 10 })).toBe(keyOf(BASE));
  });
});
