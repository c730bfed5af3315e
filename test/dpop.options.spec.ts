import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { generateKeyPairSync } from 'node:crypto';
import { Test } from '@nestjs/testing';
import { inspect } from 'node:util';
import { DpopService, TokenConfigError, TokenModule } from '../lib/index.js';
import { RESOLVED_TOKEN_OPTIONS } from '../lib/core/injection-tokens.js';
import { TestIdp } from './support/test-idp.js';
import { startTokenApp } from './support/token-app.js';

const BASE = { tokenUrl: 'https://idp.example.com/oauth2/token', clientId: 'dpop-client', clientSecret: 'dpop-secret-value-1234' };

/** The TokenConfigError a forRoot registration with these options fails with. */
async function startupFailure(options: Record<string, unknown>): Promise<TokenConfigError> {
  const failure = await startTokenApp({ ...BASE, ...options }).catch((error: unknown) => error);
  expect(failure).toBeInstanceOf(TokenConfigError);
  return failure as TokenConfigError;
}

describe('the dpop option', () => {
  const ecPem = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ format: 'pem', type: 'pkcs8' }) as string;

  it('lists every problem of a dpop object in one TokenConfigError, by field', async () => {
    const failure = await startupFailure({ dpop: { privateKey: 'not a key', alg: 'HS256', allowBearerDowngrade: 'yes', keyId: 'x' } });
    expect(failure.problems).toEqual(
      expect.arrayContaining([
        { field: 'dpop.keyId', message: 'is not a known option' },
        { field: 'dpop.alg', message: 'must be one of ES256, RS256, PS256, EdDSA' },
        { field: 'dpop.allowBearerDowngrade', message: 'must be a boolean' },
        { field: 'dpop.privateKey', message: 'must be a PEM private key or a private JWK' },
      ]),
    );
    expect(failure.problems).toHaveLength(4);
  });

  it('names a key that does not fit the algorithm without quoting it', async () => {
    const rsaPem = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ format: 'pem', type: 'pkcs8' }) as string;
    const smallRsa = generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey.export({ format: 'jwk' });
    const p384 = generateKeyPairSync('ec', { namedCurve: 'secp384r1' }).privateKey.export({ format: 'jwk' });
    expect((await startupFailure({ dpop: { privateKey: rsaPem } })).problems).toEqual([
      {
        field: 'dpop.privateKey',
        message: 'is a 2048-bit RSA key; alg ES256 needs an EC P-256 key (set dpop.alg to RS256 or PS256 for RSA)',
      },
    ]);
    expect((await startupFailure({ dpop: { privateKey: smallRsa, alg: 'PS256' } })).problems).toEqual([
      { field: 'dpop.privateKey', message: 'is a 1024-bit RSA key; RSA keys need at least 2048 bits' },
    ]);
    expect((await startupFailure({ dpop: { privateKey: p384 } })).problems[0].message).toMatch(
      /^is an EC secp384r1 key; alg ES256 needs an EC P-256 key/,
    );
    expect((await startupFailure({ dpop: { privateKey: ecPem, alg: 'EdDSA' } })).problems[0].message).toMatch(
      /alg EdDSA needs an Ed25519 key/,
    );
  });

  it('refuses a public key or a damaged PEM, and never echoes key material', async () => {
    const publicJwk = generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey.export({ format: 'jwk' });
    const damaged = ecPem.replace(/[A-Za-z]{12}/, 'AAAAAAAAAAAA');
    for (const privateKey of [publicJwk, damaged]) {
      const failure = await startupFailure({ dpop: { privateKey } });
      expect(failure.problems).toEqual([
        { field: 'dpop.privateKey', message: 'is not a readable private key (a public key, or a malformed PEM/JWK)' },
      ]);
      expect(`${failure.message}\n${failure.stack}\n${inspect(failure, { depth: 5 })}`).not.toContain(ecPem.split('\n')[2]);
    }
    expect((await startupFailure({ dpop: 'true' })).problems).toEqual([
      {
        field: 'dpop',
        message: 'must be true, { generateKey: true, alg?, allowBearerDowngrade? } or { privateKey, alg?, allowBearerDowngrade? }',
      },
    ]);
  });
});

describe('DPoP keys never leak', () => {
  let idp: TestIdp;

  beforeAll(async () => {
    idp = await TestIdp.start({ clients: [{ clientId: 'dpop-client', clientSecret: 'dpop-secret-value-1234' }] });
  });
  afterAll(async () => {
    await idp.stop();
  });

  it('util.inspect and JSON.stringify of the options, the DpopService and the manager show the thumbprint but no private key', async () => {
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const jwk = privateKey.export({ format: 'jwk' });
    const app = await startTokenApp({ ...BASE, tokenUrl: idp.tokenUrl, dpop: { privateKey: jwk } });
    try {
      const dpop = app.moduleRef.get(DpopService);
      const token = await app.manager.getAccessToken();
      const proof = await dpop.proofFor('GET', 'https://api.example.com/x', token);
      const resolved = app.moduleRef.get(RESOLVED_TOKEN_OPTIONS);
      const renderings = [
        inspect(resolved, { depth: 10, showHidden: true }),
        JSON.stringify(resolved),
        inspect(dpop, { depth: 10, showHidden: true }),
        JSON.stringify(dpop),
        inspect(app.manager, { depth: 10, showHidden: true }),
        JSON.stringify(app.manager),
        Buffer.from(proof.split('.')[0], 'base64url').toString(),
      ].join('\n');
      expect(renderings).toContain(dpop.thumbprint);
      expect(renderings).toContain('[redacted]');
      expect(renderings).not.toContain(jwk.d);
      expect(JSON.parse(JSON.stringify(dpop))).toEqual({
        mode: 'configured',
        alg: 'ES256',
        thumbprint: dpop.thumbprint,
        allowBearerDowngrade: false,
      });
    } finally {
      await app.close();
    }
  });

  it('startup logs the DPoP mode and the public thumbprint, never the key', async () => {
    const jwk = generateKeyPairSync('ed25519').privateKey.export({ format: 'jwk' });
    const lines: string[] = [];
    const record = (...args: unknown[]) => void lines.push(args.map((arg) => (typeof arg === 'string' ? arg : inspect(arg))).join(' '));
    const moduleRef = await Test.createTestingModule({
      imports: [TokenModule.forRoot({ ...BASE, dpop: { privateKey: jwk, alg: 'EdDSA' } })],
    })
      .setLogger({ log: record, error: record, warn: record, debug: record, verbose: record })
      .compile();
    try {
      const { thumbprint } = moduleRef.get(DpopService);
      expect(lines.filter((line) => line.includes('DPoP on'))).toEqual([
        `DPoP on: configured EdDSA key, thumbprint ${thumbprint} TokenManager`,
      ]);
      expect(lines.join('\n')).not.toContain(jwk.d);
    } finally {
      await moduleRef.close();
    }
  });

  it('without the option the DpopService is present, disabled, and refuses to make proofs', async () => {
    const app = await startTokenApp({ ...BASE, tokenUrl: idp.tokenUrl });
    try {
      const dpop = app.moduleRef.get(DpopService);
      expect(dpop.enabled).toBe(false);
      expect(dpop.thumbprint).toBeUndefined();
      expect(dpop.status()).toEqual({ mode: 'off' });
      await expect(dpop.proofFor('GET', 'https://api.example.com/')).rejects.toThrow(/dpop: is not enabled/);
      expect(app.manager.getTokenInfo()).toBeNull();
      await app.manager.getAccessToken();
      expect(app.manager.getTokenInfo()?.tokenType).toBe('Bearer');
    } finally {
      await app.close();
    }
  });
});
