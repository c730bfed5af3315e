import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Injectable, Module } from '@nestjs/common';
import { ConfigModule, ConfigService } from '@nestjs/config';
import { Test } from '@nestjs/testing';
import { inspect } from 'node:util';
import { TokenConfigError, TokenManagerService, TokenModule, type TokenModuleOptions } from '../lib/index.js';
import { TestIdp } from './support/test-idp.js';

const SECRET = 'registration-secret-5a4b3c';

@Injectable()
class ConsumerA {
  constructor(readonly tokens: TokenManagerService) {}
}
@Injectable()
class ConsumerB {
  constructor(readonly tokens: TokenManagerService) {}
}

describe('TokenModule registration', () => {
  let idp: TestIdp;
  let options: TokenModuleOptions;

  beforeAll(async () => {
    idp = await TestIdp.start();
    options = { tokenUrl: idp.tokenUrl, clientId: 'test-client', clientSecret: 'test-secret-value-1234' };
  });
  afterAll(async () => {
    await idp.stop();
  });

  async function compile(imports: unknown[], providers: unknown[] = [ConsumerA, ConsumerB]) {
    const moduleRef = await Test.createTestingModule({ imports: imports as never[], providers: providers as never[] }).compile();
    moduleRef.useLogger(false);
    return moduleRef;
  }

  it('forRoot provides one singleton TokenManagerService that issues tokens', async () => {
    const moduleRef = await compile([TokenModule.forRoot(options)]);
    const manager = moduleRef.get(TokenManagerService);
    expect(moduleRef.get(ConsumerA).tokens).toBe(manager);
    expect(moduleRef.get(ConsumerB).tokens).toBe(manager);
    await expect(manager.getAccessToken()).resolves.toMatch(/^eyJ/);
    await moduleRef.close();
  });

  it('forRootAsync with useFactory reads its options from ConfigService', async () => {
    const moduleRef = await compile([
      ConfigModule.forRoot({
        ignoreEnvFile: true,
        load: [
          () => ({ OAUTH2_TOKEN_URL: options.tokenUrl, OAUTH2_CLIENT_ID: options.clientId, OAUTH2_CLIENT_SECRET: options.clientSecret }),
        ],
      }),
      TokenModule.forRootAsync({
        imports: [ConfigModule],
        inject: [ConfigService],
        useFactory: (config: ConfigService) => ({
          tokenUrl: config.getOrThrow<string>('OAUTH2_TOKEN_URL'),
          clientId: config.getOrThrow<string>('OAUTH2_CLIENT_ID'),
          clientSecret: config.getOrThrow<string>('OAUTH2_CLIENT_SECRET'),
        }),
      }),
    ]);
    const manager = moduleRef.get(TokenManagerService);
    expect(moduleRef.get(ConsumerA).tokens).toBe(manager);
    await expect(manager.getAccessToken()).resolves.toMatch(/^eyJ/);
    await moduleRef.close();
  });

  it('forRootAsync with useClass and with useExisting', async () => {
    @Injectable()
    class TokenOptionsFactory {
      createTokenModuleOptions(): TokenModuleOptions {
        return options;
      }
    }
    @Module({ providers: [TokenOptionsFactory], exports: [TokenOptionsFactory] })
    class OptionsModule {}

    for (const asyncOptions of [{ useClass: TokenOptionsFactory }, { imports: [OptionsModule], useExisting: TokenOptionsFactory }]) {
      const moduleRef = await compile([TokenModule.forRootAsync(asyncOptions)]);
      const manager = moduleRef.get(TokenManagerService);
      expect(moduleRef.get(ConsumerB).tokens).toBe(manager);
      await expect(manager.getAccessToken()).resolves.toMatch(/^eyJ/);
      await moduleRef.close();
    }
  });

  it('isGlobal makes the manager injectable in modules that do not import TokenModule', async () => {
    @Module({ providers: [ConsumerA], exports: [ConsumerA] })
    class FeatureModule {}
    const moduleRef = await compile([TokenModule.forRoot({ ...options, isGlobal: true }), FeatureModule], []);
    expect(moduleRef.get(ConsumerA).tokens).toBe(moduleRef.get(TokenManagerService));
    await moduleRef.close();
  });

  it("with Nest's deep-hash module ids, two registrations differing only in a secret stay two clients", async () => {
    @Module({ imports: [TokenModule.forRoot(options)], providers: [ConsumerA], exports: [ConsumerA] })
    class RightSecretModule {}
    @Module({ imports: [TokenModule.forRoot({ ...options, clientSecret: SECRET })], providers: [ConsumerB], exports: [ConsumerB] })
    class WrongSecretModule {}
    const moduleRef = await Test.createTestingModule(
      { imports: [RightSecretModule, WrongSecretModule] },
      { moduleIdGeneratorAlgorithm: 'deep-hash' },
    ).compile();
    moduleRef.useLogger(false);
    try {
      expect(moduleRef.get(ConsumerA).tokens).not.toBe(moduleRef.get(ConsumerB).tokens);
      await expect(moduleRef.get(ConsumerA).tokens.getAccessToken()).resolves.toMatch(/^eyJ/);
      await expect(moduleRef.get(ConsumerB).tokens.getAccessToken()).rejects.toMatchObject({ error: 'invalid_client' });
    } finally {
      await moduleRef.close();
    }
  });

  it('bad forRoot options fail at startup with a TokenConfigError naming every field, never the secret', async () => {
    const bad = {
      tokenUrl: 'ftp://idp.example.com/token',
      clientId: '',
      clientSecret: SECRET,
      clientAuthMethod: 'client_secret_jwt_hs512',
      refreshMarginSeconds: -1,
      requestTimeoutMs: 'fast',
      resource: ['not a uri'],
      extraParams: { grant_type: 'password' },
      clientSecert: SECRET,
    } as unknown as TokenModuleOptions;
    const error = await compile([TokenModule.forRoot(bad)]).catch((reason: unknown) => reason);
    expect(error).toBeInstanceOf(TokenConfigError);
    const fields = (error as TokenConfigError).problems.map((problem) => problem.field).sort();
    expect(fields).toEqual(
      [
        'clientAuthMethod',
        'clientId',
        'clientSecert',
        'extraParams.grant_type',
        'refreshMarginSeconds',
        'requestTimeoutMs',
        'resource[0]',
        'tokenUrl',
      ].sort(),
    );
    expect(inspect(error)).not.toContain(SECRET);
    expect((error as Error).message).toContain('tokenUrl: must use http or https');
  });

  it('bad forRootAsync options fail at startup the same way', async () => {
    const error = await compile([
      TokenModule.forRootAsync({
        useFactory: async () => ({ tokenUrl: 'not a url', clientId: 'x', clientSecret: SECRET }),
      }),
    ]).catch((reason: unknown) => reason);
    expect(error).toBeInstanceOf(TokenConfigError);
    expect((error as TokenConfigError).problems).toEqual([{ field: 'tokenUrl', message: 'must be an absolute URL' }]);
    expect(inspect(error)).not.toContain(SECRET);
  });

  it('a misspelt option is answered with the option it most likely means; a name like no option gets no guess', async () => {
    const misspelt = {
      tokenURL: options.tokenUrl,
      clientId: 'x',
      clientSecert: SECRET,
      retry: { maxAttempt: 2 },
      favouriteColour: 'blue',
    } as unknown as TokenModuleOptions;
    const error = await compile([TokenModule.forRoot(misspelt)]).catch((reason: unknown) => reason);
    expect(error).toBeInstanceOf(TokenConfigError);
    const byField = Object.fromEntries((error as TokenConfigError).problems.map((problem) => [problem.field, problem.message]));
    expect(byField).toEqual({
      tokenUrl: 'is required',
      clientSecret: 'is required',
      tokenURL: 'is not a known option; did you mean `tokenUrl`?',
      clientSecert: 'is not a known option; did you mean `clientSecret`?',
      'retry.maxAttempt': 'is not a known option; did you mean `maxAttempts`?',
      favouriteColour: 'is not a known option',
    });
    expect(inspect(error)).not.toContain(SECRET);
  });

  it('numeric options given as decimal strings, as ConfigService.get returns them, are used as numbers; other strings are refused as such', async () => {
    const fromConfig = (values: Record<string, string>) =>
      compile([
        ConfigModule.forRoot({ ignoreEnvFile: true, load: [() => values] }),
        TokenModule.forRootAsync({
          imports: [ConfigModule],
          inject: [ConfigService],
          useFactory: (config: ConfigService) => ({
            ...options,
            refreshMarginSeconds: config.get('REFRESH_MARGIN_SECONDS'),
            requestTimeoutMs: config.get('REQUEST_TIMEOUT_MS'),
            retry: { maxAttempts: config.get('RETRY_MAX_ATTEMPTS') },
          }),
        }),
      ]);
    const moduleRef = await fromConfig({ REFRESH_MARGIN_SECONDS: '120', REQUEST_TIMEOUT_MS: '5000', RETRY_MAX_ATTEMPTS: ' 2 ' });
    try {
      const manager = moduleRef.get(TokenManagerService);
      await manager.getAccessToken();
      const info = manager.getTokenInfo()!;
      expect(info.expiresAt.getTime() - info.refreshAt.getTime()).toBe(120_000);
    } finally {
      await moduleRef.close();
    }
    const error = await fromConfig({ REFRESH_MARGIN_SECONDS: 'two minutes', REQUEST_TIMEOUT_MS: '5e3', RETRY_MAX_ATTEMPTS: '1.5' }).catch(
      (reason: unknown) => reason,
    );
    expect((error as TokenConfigError).problems).toEqual([
      {
        field: 'refreshMarginSeconds',
        message: 'must be a finite number or a decimal string (digits, optionally a decimal point), got a string that is not one',
      },
      {
        field: 'requestTimeoutMs',
        message: 'must be a finite number or a decimal string (digits, optionally a decimal point), got a string that is not one',
      },
      { field: 'retry.maxAttempts', message: 'must be a whole number' },
    ]);
    expect(inspect(error)).not.toContain('two minutes');
  });

  it('a missing secret is reported as required', async () => {
    const error = await compile([TokenModule.forRoot({ tokenUrl: options.tokenUrl, clientId: 'x' })]).catch((reason: unknown) => reason);
    expect((error as TokenConfigError).problems).toEqual([{ field: 'clientSecret', message: 'is required' }]);
  });
});
