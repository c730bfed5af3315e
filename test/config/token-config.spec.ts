import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { Logger } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { Test } from '@nestjs/testing';
import { readFileSync } from 'node:fs';
import { inspect } from 'node:util';
import { tokenOptionsFromEnvironment, TOKEN_ENVIRONMENT_VARIABLES } from '../../lib/config/index.js';
import { TOKEN_ENVIRONMENT_SCHEMAS } from '../../lib/config/token-environment.schema.js';
import { TokenConfigError, TokenManagerService } from '../../lib/index.js';
import { CapturingLogger } from '../support/capturing-logger.js';
import { startTokenConfigApp, tokenConfigImports } from '../support/environment.js';
import { TestIdp } from '../support/test-idp.js';

const SECRET = 'test-secret-value-1234';

/** Sets OAUTH2_* variables for one test and removes them afterwards, leaving the rest of process.env alone. */
function useEnvironment(values: Record<string, string>): void {
  for (const { name } of TOKEN_ENVIRONMENT_VARIABLES) delete process.env[name];
  Object.assign(process.env, values);
}

function thrownBy(action: () => unknown): unknown {
  try {
    action();
  } catch (error) {
    return error;
  }
  throw new Error('expected the action to throw');
}

describe('configuration by environment', () => {
  afterEach(() => {
    for (const { name } of TOKEN_ENVIRONMENT_VARIABLES) delete process.env[name];
  });

  it('the gateway and discovery variables become options: issuer, cache, revocation, introspection, stable window, revokeOnShutdown', () => {
    const options = tokenOptionsFromEnvironment({
      OAUTH2_ISSUER: 'https://apim.example.com/oauth2',
      OAUTH2_CLIENT_ID: 'billing-service',
      OAUTH2_CLIENT_SECRET: SECRET,
      OAUTH2_CACHE: 'yes',
      OAUTH2_REVOCATION_URL: 'https://apim.example.com/oauth2/revoke',
      OAUTH2_INTROSPECTION_URL: 'https://apim.example.com/oauth2/introspect',
      OAUTH2_STABLE_AFTER_SECONDS: '45',
      OAUTH2_REVOKE_ON_SHUTDOWN: 'on',
    });
    expect(options).toEqual({
      issuer: 'https://apim.example.com/oauth2',
      clientId: 'billing-service',
      clientSecret: SECRET,
      cache: true,
      revocationUrl: 'https://apim.example.com/oauth2/revoke',
      introspectionUrl: 'https://apim.example.com/oauth2/introspect',
      stableAfterSeconds: 45,
      revokeOnShutdown: true,
    });
  });

  it('a complete environment becomes TokenModule options, with numbers, lists and form parameters parsed', () => {
    const options = tokenOptionsFromEnvironment({
      OAUTH2_TOKEN_URL: 'https://idp.example.com/oauth2/token',
      OAUTH2_CLIENT_ID: 'billing-service',
      OAUTH2_CLIENT_SECRET: SECRET,
      OAUTH2_SCOPE: 'invoices:read, invoices:write',
      OAUTH2_AUDIENCE: 'https://api.example.com',
      OAUTH2_RESOURCE: 'https://api.example.com/a https://api.example.com/b',
      OAUTH2_EXTRA_PARAMS: 'tenant=acme&region=eu%20west',
      OAUTH2_CLIENT_AUTH_METHOD: 'client_secret_post',
      OAUTH2_REFRESH_MARGIN_SECONDS: '120',
      OAUTH2_DEFAULT_EXPIRES_IN_SECONDS: '900',
      OAUTH2_REQUEST_TIMEOUT_MS: '2500',
      OAUTH2_API_BASE_URL: 'https://api.example.com/v1/',
      OAUTH2_ALLOWED_ORIGINS: 'https://api.example.com,https://files.example.com',
      UNRELATED_VARIABLE: 'ignored',
    });
    expect(options).toEqual({
      tokenUrl: 'https://idp.example.com/oauth2/token',
      clientId: 'billing-service',
      clientSecret: SECRET,
      scope: ['invoices:read', 'invoices:write'],
      audience: 'https://api.example.com',
      resource: ['https://api.example.com/a', 'https://api.example.com/b'],
      extraParams: { tenant: 'acme', region: 'eu west' },
      clientAuthMethod: 'client_secret_post',
      refreshMarginSeconds: 120,
      defaultExpiresInSeconds: 900,
      requestTimeoutMs: 2500,
      http: { baseURL: 'https://api.example.com/v1/', allowedOrigins: ['https://api.example.com', 'https://files.example.com'] },
    });
  });

  it('empty variables count as unset, so the module defaults apply', () => {
    const options = tokenOptionsFromEnvironment({
      OAUTH2_TOKEN_URL: 'https://idp.example.com/token',
      OAUTH2_CLIENT_ID: 'svc',
      OAUTH2_CLIENT_SECRET: SECRET,
      OAUTH2_SCOPE: '',
      OAUTH2_REFRESH_MARGIN_SECONDS: '',
    });
    expect(options).toEqual({ tokenUrl: 'https://idp.example.com/token', clientId: 'svc', clientSecret: SECRET });
  });

  it('a bad environment fails once, naming every bad variable and why, without echoing any value', () => {
    const badSecret = `${SECRET} `;
    const error = thrownBy(() =>
      tokenOptionsFromEnvironment({
        OAUTH2_TOKEN_URL: 'ftp://user:hunter2@idp.example.com/token',
        OAUTH2_CLIENT_SECRET: badSecret,
        OAUTH2_RESOURCE: 'https://api.example.com/a not-a-uri',
        OAUTH2_EXTRA_PARAMS: 'grant_type=password&tenant=acme',
        OAUTH2_CLIENT_AUTH_METHOD: 'private_key_jwt_typo',
        OAUTH2_REFRESH_MARGIN_SECONDS: 'five minutes',
        OAUTH2_REQUEST_TIMEOUT_MS: '0',
      }),
    );
    expect(error).toBeInstanceOf(TokenConfigError);
    const problems = (error as TokenConfigError).problems;
    expect(problems.map((problem) => problem.field).sort()).toEqual(
      [
        'OAUTH2_CLIENT_AUTH_METHOD',
        'OAUTH2_CLIENT_ID',
        'OAUTH2_CLIENT_SECRET',
        'OAUTH2_EXTRA_PARAMS.grant_type',
        'OAUTH2_REFRESH_MARGIN_SECONDS',
        'OAUTH2_REQUEST_TIMEOUT_MS',
        'OAUTH2_RESOURCE[1]',
        'OAUTH2_TOKEN_URL',
      ].sort(),
    );
    const byField = Object.fromEntries(problems.map((problem) => [problem.field, problem.message]));
    expect(byField.OAUTH2_CLIENT_ID).toBe('is required');
    expect(byField.OAUTH2_REFRESH_MARGIN_SECONDS).toMatch(/must be a number/);
    expect(byField.OAUTH2_REQUEST_TIMEOUT_MS).toMatch(/at least 1/);
    expect(byField.OAUTH2_CLIENT_SECRET).toMatch(/whitespace/);
    expect((error as Error).message).toMatch(/^Invalid environment \(8 problems\)/);
    const everything = `${(error as Error).message}\n${(error as Error).stack}\n${inspect(error, { depth: 5 })}\n${JSON.stringify(error)}`;
    for (const value of [SECRET, 'hunter2', 'five minutes', 'private_key_jwt_typo', 'not-a-uri']) expect(everything).not.toContain(value);
  });

  it('a required variable that is missing while a misspelling of it is set says so, and the misspelling is a warning', () => {
    const logger = new CapturingLogger();
    Logger.overrideLogger(logger);
    try {
      const error = thrownBy(() =>
        tokenOptionsFromEnvironment({
          OAUTH2_TOKEN_URL: 'https://idp.example.com/token',
          OAUTH2_CLEINT_ID: 'billing',
          OAUTH2_CLIENT_SECRET: SECRET,
        }),
      );
      expect((error as TokenConfigError).problems).toEqual([
        { field: 'OAUTH2_CLIENT_ID', message: 'is required; OAUTH2_CLEINT_ID is set: a misspelling of OAUTH2_CLIENT_ID?' },
      ]);
      expect(logger.lines).toEqual([
        'warn OAUTH2_CLEINT_ID is set, but tokenConfig does not read it; did you mean OAUTH2_CLIENT_ID? TokenConfig',
      ]);
    } finally {
      Logger.overrideLogger(['log', 'error', 'warn', 'debug', 'verbose', 'fatal']);
    }
  });

  it('booleans accept the usual spellings and reject anything else by name of the rule, not the value', () => {
    const parse = (text: string) => TOKEN_ENVIRONMENT_SCHEMAS.boolean.safeParse(text);
    expect(['true', 'YES', 'on', '1', ' false ', 'no', 'Off', '0'].map((text) => parse(text).data)).toEqual([
      true,
      true,
      true,
      true,
      false,
      false,
      false,
      false,
    ]);
    const rejected = parse('maybe-s3cret');
    expect(rejected.success).toBe(false);
    expect(rejected.error?.issues.map((issue) => issue.message)).toEqual(['must be true/false, yes/no, on/off or 1/0']);
  });

  it('the table of docs/configuration.md documents exactly the variables tokenConfig reads, with the option each sets', () => {
    const guide = readFileSync(new URL('../../docs/configuration.md', import.meta.url), 'utf8');
    const rows = [...guide.matchAll(/^\| `(OAUTH2_[A-Z_]+)` \| `([\w.]+)` \|/gm)].map(([, name, option]) => ({ name, option }));
    expect(rows).toEqual(TOKEN_ENVIRONMENT_VARIABLES.map(({ name, option }) => ({ name, option })));
  });

  describe('with @nestjs/config', () => {
    let idp: TestIdp;
    beforeAll(async () => {
      idp = await TestIdp.start();
    });
    afterAll(async () => {
      await idp.stop();
    });

    it('TokenModule.forRootAsync(tokenConfig.asProvider()) gets a token from an IdP configured only by environment', async () => {
      useEnvironment({
        OAUTH2_TOKEN_URL: idp.tokenUrl,
        OAUTH2_CLIENT_ID: 'test-client',
        OAUTH2_CLIENT_SECRET: SECRET,
        OAUTH2_SCOPE: 'api:read',
      });
      const moduleRef = await startTokenConfigApp();
      try {
        const before = idp.tokenRequests;
        await expect(moduleRef.get(TokenManagerService).getAccessToken()).resolves.toMatch(/^eyJ/);
        expect(idp.tokenRequests).toBe(before + 1);
        expect(moduleRef.get(TokenManagerService).getTokenInfo()?.scope).toBe('api:read');
        expect(moduleRef.get(ConfigService).get('oauth2.clientId')).toBe('test-client');
      } finally {
        await moduleRef.close();
      }
    });

    it('a set OAUTH2_* variable that tokenConfig does not read is a startup warning naming it, with the variable it most likely misspells', async () => {
      useEnvironment({
        OAUTH2_TOKEN_URL: idp.tokenUrl,
        OAUTH2_CLIENT_ID: 'test-client',
        OAUTH2_CLIENT_SECRET: SECRET,
        OAUTH2_SCOPES: 'api:read',
        OAUTH2_FAVOURITE_COLOUR: SECRET,
      });
      const logger = new CapturingLogger();
      const moduleRef = await startTokenConfigApp(logger);
      try {
        expect(logger.lines.filter((line) => line.startsWith('warn'))).toEqual([
          'warn OAUTH2_FAVOURITE_COLOUR is set, but tokenConfig does not read it (see docs/configuration.md for the OAUTH2_* variables) TokenConfig',
          'warn OAUTH2_SCOPES is set, but tokenConfig does not read it; did you mean OAUTH2_SCOPE? TokenConfig',
        ]);
        expect(logger.lines.join('\n')).not.toContain(SECRET);
      } finally {
        delete process.env.OAUTH2_SCOPES;
        delete process.env.OAUTH2_FAVOURITE_COLOUR;
        await moduleRef.close();
      }
    });

    it('a bad environment stops the application at startup with one TokenConfigError listing the variables', async () => {
      useEnvironment({ OAUTH2_TOKEN_URL: 'not a url', OAUTH2_CLIENT_SECRET: SECRET, OAUTH2_REQUEST_TIMEOUT_MS: 'soon' });
      const startup = Test.createTestingModule({
        imports: tokenConfigImports(),
      })
        .setLogger({ log: () => undefined, error: () => undefined, warn: () => undefined })
        .compile();
      const error = await startup.then(
        () => undefined,
        (reason: unknown) => reason,
      );
      expect(error).toBeInstanceOf(TokenConfigError);
      expect((error as TokenConfigError).problems.map((problem) => problem.field).sort()).toEqual([
        'OAUTH2_CLIENT_ID',
        'OAUTH2_REQUEST_TIMEOUT_MS',
        'OAUTH2_TOKEN_URL',
      ]);
      expect(String((error as Error).stack)).not.toContain(SECRET);
    });
  });
});
