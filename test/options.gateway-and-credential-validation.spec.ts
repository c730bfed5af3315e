import { describe, expect, it } from '@jest/globals';
import { inspect } from 'node:util';
import { TokenConfigError, type TokenModuleOptions } from '../lib/index.js';
import { startTokenApp } from './support/token-app.js';

const BASE = { tokenUrl: 'https://idp.example.com/oauth2/token', clientId: 'svc', clientSecret: 'svc-secret-value' };

const problemsOf = async (options: Record<string, unknown>) => {
  const error = await startTokenApp(options as unknown as TokenModuleOptions).catch((reason: unknown) => reason);
  expect(error).toBeInstanceOf(TokenConfigError);
  return {
    error: error as TokenConfigError,
    fields: (error as TokenConfigError).problems.map((problem) => `${problem.field}: ${problem.message}`),
  };
};

describe('gateway, session and credential options are validated at startup, every problem at once', () => {
  it('revokeOnShutdown without a revocation endpoint, a negative stable window and bad URLs are all reported', async () => {
    const { fields } = await problemsOf({
      ...BASE,
      revokeOnShutdown: true,
      stableAfterSeconds: -5,
      revocationUrl: 'not a url',
      introspectionUrl: 'ftp://idp/introspect',
      cache: 'yes',
    });
    expect(fields.sort()).toEqual(
      [
        'cache: must be a boolean',
        'introspectionUrl: must use http or https, not ftp',
        'revocationUrl: must be an absolute URL',
        'revokeOnShutdown: needs revocationUrl (or issuer discovery that provides a revocation endpoint)',
        'stableAfterSeconds: must be at least 0',
      ].sort(),
    );
  });

  it('credentials of a method that is not chosen are rejected, so a half-migrated config does not keep a stale secret', async () => {
    const { fields } = await problemsOf({ ...BASE, privateKeyJwt: { key: 'x' }, tlsClientAuth: { cert: 'x', key: 'y' } });
    expect(fields.sort()).toEqual([
      'privateKeyJwt: is only used with clientAuthMethod private_key_jwt',
      'tlsClientAuth: is only used with clientAuthMethod tls_client_auth',
    ]);
  });

  it('a session exchange needs a url and a code, and a stable window cannot apply to it; the code is never quoted', async () => {
    const { error, fields } = await problemsOf({
      ...BASE,
      sessionExchange: { url: 'ftp://x/exchange', code: 'secret-code-123' },
      stableAfterSeconds: 10,
    });
    expect(fields.sort()).toEqual([
      'sessionExchange.url: must use http or https, not ftp',
      'stableAfterSeconds: cannot be used with sessionExchange (a session token cannot be re-verified)',
    ]);
    expect(inspect(error)).not.toContain('secret-code-123');
    const padded = await problemsOf({ ...BASE, sessionExchange: { url: 'https://idp.example/exchange ', code: 'secret-code-123' } });
    expect(padded.fields).toEqual(['sessionExchange.url: has leading or trailing whitespace']);
    const missing = await problemsOf({ ...BASE, sessionExchange: { url: '/exchange' } });
    expect(missing.fields).toEqual(['sessionExchange.code: is required']);
  });

  it('neither tokenUrl nor issuer: tokenUrl is required', async () => {
    const { fields } = await problemsOf({ clientId: 'svc', clientSecret: 'svc-secret-value' });
    expect(fields).toEqual(['tokenUrl: is required']);
  });
});
