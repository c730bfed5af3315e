import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { Test, type TestingModule } from '@nestjs/testing';
import { TokenConfigError, TokenEndpointError, TokenManagerService, TokenModule, type TokenModuleOptions } from '../lib/index.js';
import { CapturingLogger } from './support/capturing-logger.js';
import { clearOauth2Environment, tokenConfigImports } from './support/environment.js';
import { freePort } from './support/loopback.js';
import { TestIdp } from './support/test-idp.js';

const CLIENT = { clientId: 'warm-client', clientSecret: 'warm-secret-value-9911' };
const WRONG_SECRET = 'wrong-secret-value-0000';

describe('warmUp: the first token is requested while the application starts', () => {
  let idp: TestIdp;
  const started: TestingModule[] = [];

  beforeAll(async () => {
    idp = await TestIdp.start({ clients: [CLIENT] });
  });
  afterEach(async () => {
    await Promise.all(started.splice(0).map((moduleRef) => moduleRef.close()));
    clearOauth2Environment();
  });
  afterAll(async () => {
    await idp.stop();
  });

  /** Compiles and initialises (`app.init()`) an app with these options; resolves with it, or rejects with the startup error. */
  async function start(imports: unknown[], logger = new CapturingLogger()): Promise<{ moduleRef: TestingModule; logger: CapturingLogger }> {
    const moduleRef = await Test.createTestingModule({ imports: imports as never[] })
      .setLogger(logger)
      .compile();
    started.push(moduleRef);
    await moduleRef.init();
    return { moduleRef, logger };
  }
  const startWith = (options: Partial<TokenModuleOptions>, logger?: CapturingLogger) =>
    start([TokenModule.forRoot({ tokenUrl: idp.tokenUrl, ...CLIENT, ...options })], logger);

  it("'fail' with a good secret: startup fetches the token once, and the first caller is served from the cache", async () => {
    const before = idp.tokenRequests;
    const { moduleRef } = await startWith({ warmUp: 'fail' });
    expect(idp.tokenRequests).toBe(before + 1);
    await expect(moduleRef.get(TokenManagerService).getAccessToken()).resolves.toMatch(/^eyJ/);
    expect(idp.tokenRequests).toBe(before + 1);
  });

  it("'fail' with a wrong secret: app.init() rejects with the IdP's invalid_client, never quoting the secret", async () => {
    const error = await startWith({ warmUp: 'fail', clientSecret: WRONG_SECRET }).catch((reason: unknown) => reason);
    expect(error).toBeInstanceOf(TokenEndpointError);
    expect(error).toMatchObject({ status: 401, error: 'invalid_client' });
    expect(String((error as Error).stack)).not.toContain(WRONG_SECRET);
  });

  it("'fail' with the IdP down: app.init() rejects with the connection error after the configured retries", async () => {
    const error = await startWith({
      warmUp: 'fail',
      tokenUrl: `http://127.0.0.1:${await freePort()}/token`,
      retry: { maxAttempts: 2, initialDelayMs: 10 },
    }).catch((reason: unknown) => reason);
    expect(error).toBeInstanceOf(TokenEndpointError);
    expect(error).toMatchObject({ code: 'ECONNREFUSED' });
  });

  it("'log' with a wrong secret or the IdP down: the application starts, and one warning says why", async () => {
    for (const options of [
      { clientSecret: WRONG_SECRET },
      { tokenUrl: `http://127.0.0.1:${await freePort()}/token`, retry: { maxAttempts: 1 } },
    ]) {
      const { moduleRef, logger } = await startWith({ warmUp: 'log', ...options });
      const warnings = logger.lines.filter((line) => line.startsWith('warn') && line.includes('Warm-up'));
      expect(warnings).toEqual([
        expect.stringMatching(/Warm-up: the first token request failed \(TokenEndpointError: .*(401|ECONNREFUSED).*\); starting anyway/),
      ]);
      expect(logger.lines.join('\n')).not.toContain(WRONG_SECRET);
      expect(moduleRef.get(TokenManagerService).getTokenInfo()).toBeNull();
    }
  });

  it("'off' (the default) requests nothing at startup", async () => {
    const before = idp.tokenRequests;
    await startWith({});
    await startWith({ warmUp: 'off' });
    expect(idp.tokenRequests).toBe(before);
  });

  it('OAUTH2_WARM_UP=fail through tokenConfig stops a misconfigured application at startup', async () => {
    Object.assign(process.env, {
      OAUTH2_TOKEN_URL: idp.tokenUrl,
      OAUTH2_CLIENT_ID: CLIENT.clientId,
      OAUTH2_CLIENT_SECRET: WRONG_SECRET,
      OAUTH2_WARM_UP: 'fail',
    });
    const error = await start(tokenConfigImports()).catch((reason: unknown) => reason);
    expect(error).toMatchObject({ status: 401, error: 'invalid_client' });
  });

  it('a named registration that fails its warm-up is named in the error', async () => {
    const error = await start([
      TokenModule.forRoot({
        name: 'billing',
        tokenUrl: idp.tokenUrl,
        clientId: CLIENT.clientId,
        clientSecret: WRONG_SECRET,
        warmUp: 'fail',
      }),
    ]).catch((reason: unknown) => reason);
    expect(error).toBeInstanceOf(TokenEndpointError);
    expect((error as Error).message).toMatch(/^TokenModule "billing": /);
  });

  it('an unknown warmUp value fails at startup naming the choices', async () => {
    const error = await startWith({ warmUp: 'always' as never }).catch((reason: unknown) => reason);
    expect(error).toBeInstanceOf(TokenConfigError);
    expect((error as TokenConfigError).problems).toEqual([{ field: 'warmUp', message: 'must be one of off, log, fail' }]);
  });
});
