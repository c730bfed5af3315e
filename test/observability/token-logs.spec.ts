import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { type LoggerService, Module } from '@nestjs/common';
import { ConfigModule } from '@nestjs/config';
import { NestFactory } from '@nestjs/core';
import { inspect } from 'node:util';
import { tokenConfig, TOKEN_ENVIRONMENT_VARIABLES } from '../../lib/config/index.js';
import { formUrlEncode } from '../../lib/endpoint/client-authentication.js';
import { TokenModule } from '../../lib/index.js';
import { getHealth, type HealthApp, startHealthApp } from '../support/health-app.js';
import { TestIdp } from '../support/test-idp.js';
import { nextEvent } from '../support/token-app.js';

const SECRET = 'test-secret-value-1234';
const BASIC = Buffer.from(`test-client:${formUrlEncode(SECRET)}`).toString('base64');

/** Every line any Nest logger writes, with its level and every argument rendered as a log sink would. */
class CapturingLogger implements LoggerService {
  readonly lines: { level: string; text: string }[] = [];
  log = this.capture('log');
  error = this.capture('error');
  warn = this.capture('warn');
  debug = this.capture('debug');
  verbose = this.capture('verbose');
  fatal = this.capture('fatal');

  private capture(level: string) {
    return (message: unknown, ...params: unknown[]): void => {
      const text = [message, ...params].map((part) => (typeof part === 'string' ? part : inspect(part, { depth: 10 }))).join(' ');
      this.lines.push({ level, text });
    };
  }

  has(level: string, pattern: RegExp): boolean {
    return this.lines.some((line) => line.level === level && pattern.test(line.text));
  }
}

@Module({
  imports: [ConfigModule.forRoot({ ignoreEnvFile: true, load: [tokenConfig] }), TokenModule.forRootAsync(tokenConfig.asProvider())],
})
class EnvironmentConfiguredModule {}

describe('log lines across a full token lifecycle with failures', () => {
  const logger = new CapturingLogger();
  const tokens: string[] = [];
  let idp: TestIdp;
  let health: HealthApp;

  beforeAll(async () => {
    idp = await TestIdp.start({ ttlSeconds: 3600 });
    health = await startHealthApp({ tokenUrl: idp.tokenUrl }, logger);
  });
  afterAll(async () => {
    await health.app.close();
    await idp.stop().catch(() => undefined);
  });

  it('logs every step at a sensible level and never a secret, a Basic credential or a token', async () => {
    const { manager, clock } = health;
    // 1. Cold start: the health check acquires the first token.
    expect((await getHealth(health)).status).toBe(200);
    tokens.push(await manager.getAccessToken());

    // 2. A stale token whose refresh is refused by an IdP that echoes the credentials it received.
    idp.faults.push((ctx) => {
      ctx.status = 401;
      ctx.type = 'application/json';
      ctx.body = { error: 'invalid_client', error_description: `client ${SECRET} with Basic ${BASIC} is not allowed` };
    });
    clock.advanceSeconds(3400);
    let failed = nextEvent(manager, 'refresh_failed');
    await getHealth(health);
    await failed;
    expect((await getHealth(health)).body.status).toBe('degraded');

    // 3. The next refresh succeeds; then a server rejects the token and it is invalidated.
    const refreshed = nextEvent(manager, 'refreshed');
    await getHealth(health);
    await refreshed;
    tokens.push(await manager.getAccessToken());
    expect((await getHealth(health)).body.status).toBe('ok');
    manager.invalidate(tokens.at(-1));

    // 4. A 200 answer that is not a usable token, carrying a token-like value.
    idp.faults.push((ctx) => {
      ctx.status = 200;
      ctx.type = 'application/json';
      ctx.body = { access_token: 'leaked-looking-token-value', token_type: 'mac' };
    });
    failed = nextEvent(manager, 'refresh_failed');
    await expect(manager.getAccessToken()).rejects.toMatchObject({ name: 'TokenResponseError' });
    await failed;
    tokens.push(await manager.getAccessToken());

    // 5. The IdP goes away and the token expires: the health check is down.
    await idp.stop();
    clock.advanceSeconds(3601);
    expect((await getHealth(health)).status).toBe(503);

    // 6. Another application starts with a bad environment holding the secret.
    for (const { name } of TOKEN_ENVIRONMENT_VARIABLES) delete process.env[name];
    Object.assign(process.env, { OAUTH2_TOKEN_URL: 'not a url', OAUTH2_CLIENT_ID: 'svc', OAUTH2_CLIENT_SECRET: ` ${SECRET}` });
    try {
      const startup = await NestFactory.create(EnvironmentConfiguredModule, { logger, abortOnError: false }).catch(
        (error: unknown) => error,
      );
      expect(startup).toMatchObject({ name: 'TokenConfigError' });
      logger.error(inspect(startup)); // as a bootstrap().catch(...) would log it
    } finally {
      for (const { name } of TOKEN_ENVIRONMENT_VARIABLES) delete process.env[name];
    }

    expect(logger.has('debug', /^Token acquired in \d+ ms, expires in 3600 s/)).toBe(true);
    expect(logger.has('debug', /^Token refreshed in/)).toBe(true);
    expect(logger.has('debug', /^Cached token invalidated\b/)).toBe(true);
    expect(
      logger.has(
        'warn',
        /^Token refresh failed after \d+ ms: TokenEndpointError: Token endpoint POST http:\/\/127\.0\.0\.1:\d+\/\S+ answered HTTP 401: invalid_client/,
      ),
    ).toBe(true);
    expect(logger.has('warn', /^Token refresh failed after \d+ ms: TokenResponseError/)).toBe(true);
    expect(
      logger.has(
        'warn',
        /^Token refresh failed after \d+ ms: TokenEndpointError: Token endpoint POST http:\/\/127\.0\.0\.1:\d+\/\S+ unreachable \(ECONN(REFUSED|RESET)\)/,
      ),
    ).toBe(true);
    expect(
      logger.has('warn', /^Token health degraded: the token is valid for 200 s but its refresh failed \(last error TokenEndpointError/),
    ).toBe(true);
    expect(logger.has('log', /^Token health up/)).toBe(true);
    expect(logger.has('warn', /^Token health down: no valid token: the token request failed/)).toBe(true);
    expect(logger.has('error', /TokenConfigError: Invalid environment \(2 problems\)/)).toBe(true);

    expect(new Set(tokens).size).toBe(3);
    const forbidden = [
      SECRET,
      BASIC,
      formUrlEncode(SECRET),
      'leaked-looking-token-value',
      ...tokens,
      ...tokens.map((token) => token.split('.')[2]),
    ];
    for (const line of logger.lines) for (const value of forbidden) expect(line.text).not.toContain(value);
    expect(logger.lines.length).toBeGreaterThan(10);
  });
});
