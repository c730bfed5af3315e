import { describe, expect, it } from '@jest/globals';
import { generateKeyPairSync } from 'node:crypto';
import { tokenCacheKey } from '../lib/core/token-store-keys.js';
import { readPrivateKey } from '../lib/internal/private-key.js';
import type { ResolvedTokenSettings } from '../lib/options/resolved-token-options.js';
import { KNOWN_OPTIONS } from '../lib/options/token-option-table.js';
import { TOKEN_OPTION_DEFAULTS } from '../lib/options/token-options.defaults.js';
import { validateTokenOptions } from '../lib/validation/validate-token-options.js';

const BASE = { tokenUrl: 'https://idp.example.com/oauth2/token', clientId: 'svc', clientSecret: 'svc-secret-value' };

describe('each option is declared once', () => {
  it('options left out resolve to the one table of defaults', () => {
    const resolved = validateTokenOptions(BASE);
    for (const [name, value] of Object.entries(TOKEN_OPTION_DEFAULTS))
      expect([name, resolved[name as keyof ResolvedTokenSettings]]).toEqual([name, value]);
  });

  it('the known option names come from the option table, so a misspelt one is refused with a suggestion', () => {
    expect(KNOWN_OPTIONS).toEqual(expect.arrayContaining(['tokenUrl', 'clientSecret', 'retry', 'dpop', 'warmUp']));
    expect(() => validateTokenOptions({ ...BASE, refreshMarginSecond: 10 })).toThrow(
      'refreshMarginSecond: is not a known option; did you mean `refreshMarginSeconds`?',
    );
  });
});

describe('the client fingerprint is computed once and store keys derive from it', () => {
  it('a Bearer client shares tokens under its fingerprint; a DPoP key thumbprint gives another key', () => {
    const { clientFingerprint } = validateTokenOptions(BASE);
    expect(tokenCacheKey(clientFingerprint, undefined)).toBe(clientFingerprint);
    expect(tokenCacheKey(clientFingerprint, 'thumbprint-a')).not.toBe(tokenCacheKey(clientFingerprint, 'thumbprint-b'));
    expect(clientFingerprint).not.toContain(BASE.clientSecret);
  });
});

describe('one private-key reader for DPoP and private_key_jwt', () => {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const pem = privateKey.export({ format: 'pem', type: 'pkcs8' }) as string;
  const jwk = privateKey.export({ format: 'jwk' });

  it('reads a PEM, a JWK object and a JWK as JSON text to the same key', () => {
    for (const given of [pem, jwk, JSON.stringify(jwk), `\n${pem}\n`]) {
      const key = readPrivateKey(given);
      expect(typeof key === 'string' ? key : key.equals(privateKey)).toBe(true);
    }
  });

  it('says why a value is no private key, never with the value', () => {
    expect(readPrivateKey(undefined)).toBe('absent');
    expect(readPrivateKey('')).toBe('absent');
    expect(readPrivateKey('not a key')).toBe('unsupported');
    expect(readPrivateKey(42)).toBe('unsupported');
    expect(readPrivateKey(publicKey.export({ format: 'pem', type: 'spki' }))).toBe('unreadable');
    expect(readPrivateKey('-----BEGIN PRIVATE KEY-----\nbroken\n-----END PRIVATE KEY-----')).toBe('unreadable');
  });
});
