import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Logger } from '@nestjs/common';
import { generateKeyPairSync } from 'node:crypto';
import { inspect } from 'node:util';
import { tokenOptionsFromEnvironment } from '../../lib/config/index.js';
import { DpopService } from '../../lib/index.js';
import { resolveTokenOptions } from '../../lib/validation/resolve-token-options.js';
import { configErrorOf } from '../support/environment.js';

const BASE = {
  OAUTH2_TOKEN_URL: 'https://idp.example.com/token',
  OAUTH2_CLIENT_ID: 'orders',
  OAUTH2_CLIENT_SECRET: 'env-secret-value-1234',
};
const rsaPem = () => generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();

/** The DpopService the module would build from these variables. */
async function dpopFrom(env: Record<string, string>): Promise<DpopService> {
  return DpopService.create(await resolveTokenOptions(tokenOptionsFromEnvironment(env)));
}

describe('DPoP configured by environment', () => {
  // DpopService.create logs the thumbprint on startup; these tests build services outside a Nest app.
  beforeAll(() => Logger.overrideLogger(false));
  afterAll(() => Logger.overrideLogger(['log', 'error', 'warn', 'debug', 'verbose', 'fatal']));

  it('OAUTH2_DPOP=true turns DPoP on with an ephemeral ES256 key; false or unset leaves it off', async () => {
    expect(tokenOptionsFromEnvironment({ ...BASE, OAUTH2_DPOP: 'true' }).dpop).toBe(true);
    expect((await dpopFrom({ ...BASE, OAUTH2_DPOP: 'on' })).status()).toMatchObject({ mode: 'ephemeral', alg: 'ES256' });
    expect((await dpopFrom({ ...BASE, OAUTH2_DPOP: 'false' })).status()).toEqual({ mode: 'off' });
    expect((await dpopFrom(BASE)).enabled).toBe(false);
  });

  it('OAUTH2_DPOP_PRIVATE_KEY with OAUTH2_DPOP_ALG signs with that key: the thumbprint is the same for every instance', async () => {
    const pem = rsaPem();
    const env = {
      ...BASE,
      OAUTH2_DPOP: 'true',
      OAUTH2_DPOP_PRIVATE_KEY: pem,
      OAUTH2_DPOP_ALG: 'PS256',
      OAUTH2_DPOP_ALLOW_BEARER_DOWNGRADE: 'yes',
    };
    const [first, second] = await Promise.all([dpopFrom(env), dpopFrom(env)]);
    expect(first.status()).toMatchObject({ mode: 'configured', alg: 'PS256', allowBearerDowngrade: true });
    expect(first.thumbprint).toBe(second.thumbprint);
    expect(inspect(first)).not.toContain(pem.split('\n')[1]);
  });

  it('OAUTH2_DPOP=true with OAUTH2_DPOP_ALG and OAUTH2_DPOP_ALLOW_BEARER_DOWNGRADE generates a key of that algorithm', async () => {
    const env = { ...BASE, OAUTH2_DPOP: 'true', OAUTH2_DPOP_ALG: 'PS256', OAUTH2_DPOP_ALLOW_BEARER_DOWNGRADE: 'true' };
    expect(tokenOptionsFromEnvironment(env).dpop).toEqual({ generateKey: true, alg: 'PS256', allowBearerDowngrade: true });
    expect((await dpopFrom(env)).status()).toMatchObject({ mode: 'ephemeral', shared: false, alg: 'PS256', allowBearerDowngrade: true });
    // Without the switch, a sub-option alone still asks for a key, as before.
    expect(configErrorOf({ ...BASE, OAUTH2_DPOP_ALG: 'PS256' }).problems).toEqual([
      {
        field: 'OAUTH2_DPOP_PRIVATE_KEY',
        message: 'is required when dpop is an object without generateKey: set exactly one of privateKey or generateKey: true',
      },
    ]);
  });

  it('a key with OAUTH2_DPOP=false, a wrong algorithm or an unreadable key fails startup naming the variables, never quoting the key', () => {
    const pem = rsaPem();
    const contradiction = configErrorOf({ ...BASE, OAUTH2_DPOP: 'false', OAUTH2_DPOP_PRIVATE_KEY: pem });
    expect(contradiction.problems).toEqual([{ field: 'OAUTH2_DPOP_PRIVATE_KEY', message: 'is set, but OAUTH2_DPOP is false' }]);

    const mismatched = configErrorOf({ ...BASE, OAUTH2_DPOP_PRIVATE_KEY: pem, OAUTH2_DPOP_ALG: 'ES256' });
    expect(mismatched.problems.map((problem) => problem.field)).toEqual(['OAUTH2_DPOP_PRIVATE_KEY']);
    expect(mismatched.problems[0].message).toMatch(/ES256 needs an EC P-256 key/);

    const unreadable = configErrorOf({
      ...BASE,
      OAUTH2_DPOP_PRIVATE_KEY: '-----BEGIN PRIVATE KEY-----\nnot-a-key-material-xyz\n-----END PRIVATE KEY-----',
    });
    expect(unreadable.problems.map((problem) => problem.field)).toEqual(['OAUTH2_DPOP_PRIVATE_KEY']);
    expect(unreadable.message).not.toContain('not-a-key-material-xyz');

    const badAlg = configErrorOf({ ...BASE, OAUTH2_DPOP_PRIVATE_KEY: pem, OAUTH2_DPOP_ALG: 'HS256' });
    expect(badAlg.problems.map((problem) => problem.field)).toContain('OAUTH2_DPOP_ALG');
  });
});
