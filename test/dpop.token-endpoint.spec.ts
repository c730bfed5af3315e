import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { generateKeyPairSync } from 'node:crypto';
import { calculateJwkThumbprint, decodeJwt, decodeProtectedHeader, type JWK } from 'jose';
import { DpopService, TokenEndpointError, TokenResponseError, type TokenModuleOptions } from '../lib/index.js';
import { TestIdp } from './support/test-idp.js';
import { startTokenApp, type TokenApp } from './support/token-app.js';

const CLIENT = { clientId: 'dpop-client', clientSecret: 'dpop-secret-value-1234' };

/** The `cnf.jkt` the IdP bound a JWT access token to. */
function boundThumbprint(accessToken: string): unknown {
  return (decodeJwt(accessToken).cnf as { jkt?: unknown } | undefined)?.jkt;
}

describe('DPoP at the token endpoint (oidc-provider with DPoP and nonces required)', () => {
  let idp: TestIdp;
  let app: TokenApp | undefined;

  const start = async (options: Partial<TokenModuleOptions> = {}) => {
    app = await startTokenApp({ tokenUrl: idp.tokenUrl, ...CLIENT, dpop: true, ...options });
    return app;
  };

  beforeAll(async () => {
    idp = await TestIdp.start({ clients: [{ ...CLIENT, dpopBound: true }], dpop: { requireNonce: true } });
  });
  afterEach(async () => {
    await app?.close();
    app = undefined;
    idp.tokenRequests = 0;
    idp.tokenRequestProofs.length = 0;
    idp.faults.length = 0;
    idp.delayMs = 0;
  });
  afterAll(async () => {
    await idp.stop();
  });

  it('dpop: true gets a DPoP token bound to the ephemeral key thumbprint after one nonce resend', async () => {
    const { manager, moduleRef } = await start();
    const dpop = moduleRef.get(DpopService);
    const token = await manager.getAccessToken();

    expect(dpop.enabled).toBe(true);
    expect(dpop.thumbprint).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(boundThumbprint(token)).toBe(dpop.thumbprint);
    expect(manager.getTokenInfo()?.tokenType).toBe('DPoP');
    // The first proof has no nonce and is answered 400 use_dpop_nonce; the resend carries the IdP's nonce.
    expect(idp.tokenRequests).toBe(2);
    const [first, second] = idp.tokenRequestProofs.map((proof) => decodeJwt(proof!));
    expect(first.nonce).toBeUndefined();
    expect(typeof second.nonce).toBe('string');
    expect(second.jti).not.toBe(first.jti);
  });

  it('every token request proof is a dpop+jwt with only the public key, htm POST, htu of the token URL, fresh jti and iat', async () => {
    const { manager, moduleRef } = await start();
    await manager.getAccessToken();
    manager.invalidate();
    await manager.getAccessToken();

    const proofs = idp.tokenRequestProofs as string[];
    expect(proofs).toHaveLength(3); // challenge + resend, then the remembered nonce works at once
    const expectedThumbprint = moduleRef.get(DpopService).thumbprint;
    for (const proof of proofs) {
      const header = decodeProtectedHeader(proof);
      const claims = decodeJwt(proof);
      expect(header).toMatchObject({ typ: 'dpop+jwt', alg: 'ES256' });
      expect(Object.keys(header.jwk!).sort()).toEqual(['crv', 'kty', 'x', 'y']);
      expect(await calculateJwkThumbprint(header.jwk as JWK)).toBe(expectedThumbprint);
      expect(claims).toMatchObject({ htm: 'POST', htu: idp.tokenUrl });
      expect(claims.ath).toBeUndefined();
      expect(Math.abs(claims.iat! - Date.now() / 1000)).toBeLessThan(60);
    }
    expect(new Set(proofs.map((proof) => decodeJwt(proof).jti)).size).toBe(3);
    expect(decodeJwt(proofs[2]).nonce).toBe(decodeJwt(proofs[1]).nonce);
  });

  it('500 concurrent callers at cold start share one token request (one nonce challenge, one resend)', async () => {
    const { manager, moduleRef } = await start();
    idp.delayMs = 30;
    const tokens = await Promise.all(Array.from({ length: 500 }, () => manager.getAccessToken()));
    expect(new Set(tokens).size).toBe(1);
    expect(idp.tokenRequests).toBe(2);
    expect(boundThumbprint(tokens[0])).toBe(moduleRef.get(DpopService).thumbprint);
  });

  it('the thumbprint is stable for the module instance across refreshes, and two ephemeral instances differ', async () => {
    const { manager, moduleRef } = await start();
    const first = await manager.getAccessToken();
    manager.invalidate();
    const second = await manager.getAccessToken();
    expect(second).not.toBe(first);
    expect(boundThumbprint(second)).toBe(boundThumbprint(first));

    const other = await startTokenApp({ tokenUrl: idp.tokenUrl, ...CLIENT, dpop: true });
    try {
      expect(other.moduleRef.get(DpopService).thumbprint).not.toBe(moduleRef.get(DpopService).thumbprint);
      expect(boundThumbprint(await other.manager.getAccessToken())).toBe(other.moduleRef.get(DpopService).thumbprint);
    } finally {
      await other.close();
    }
  });

  it.each([
    ['ES256 JWK object', 'ES256', () => generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ format: 'jwk' })],
    [
      'RS256 PKCS#8 PEM',
      'RS256',
      () => generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ format: 'pem', type: 'pkcs8' }),
    ],
    [
      'PS256 JWK as JSON text',
      'PS256',
      () => JSON.stringify(generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ format: 'jwk' })),
    ],
    ['EdDSA PKCS#8 PEM', 'EdDSA', () => generateKeyPairSync('ed25519').privateKey.export({ format: 'pem', type: 'pkcs8' })],
  ] as const)('a configured %s key signs the proofs and the token is bound to its thumbprint', async (_name, alg, makeKey) => {
    const privateKey = makeKey() as string | Record<string, unknown>;
    const { manager, moduleRef } = await start({ dpop: { privateKey, alg } });
    const token = await manager.getAccessToken();

    const { createPublicKey } = await import('node:crypto');
    const keyInput = typeof privateKey === 'string' && privateKey.startsWith('{') ? JSON.parse(privateKey) : privateKey;
    const publicJwk = createPublicKey(typeof keyInput === 'string' ? keyInput : { key: keyInput, format: 'jwk' }).export({ format: 'jwk' });
    const expected = await calculateJwkThumbprint(publicJwk);
    expect(moduleRef.get(DpopService).status()).toEqual({ mode: 'configured', alg, thumbprint: expected, allowBearerDowngrade: false });
    expect(boundThumbprint(token)).toBe(expected);
    expect(decodeProtectedHeader(idp.tokenRequestProofs[0]!).alg).toBe(alg);
    expect(decodeProtectedHeader(idp.tokenRequestProofs[0]!).jwk).not.toHaveProperty('d');
  });

  it('an IdP that demands a nonce again after the resend fails with use_dpop_nonce after exactly two requests', async () => {
    const { manager } = await start();
    for (let i = 0; i < 3; i += 1) {
      idp.faults.push((ctx) => {
        ctx.status = 400;
        ctx.type = 'application/json';
        ctx.set('DPoP-Nonce', `nonce-${i}`);
        ctx.body = { error: 'use_dpop_nonce', error_description: 'Authorization server requires nonce in DPoP proof' };
      });
    }
    const failure = await manager.getAccessToken().catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(TokenEndpointError);
    expect(failure).toMatchObject({ status: 400, error: 'use_dpop_nonce' });
    expect(idp.tokenRequests).toBe(2);
    expect(decodeJwt(idp.tokenRequestProofs[1]!).nonce).toBe('nonce-0');
  });

  it('a use_dpop_nonce answer without a DPoP-Nonce header is not resent', async () => {
    const { manager } = await start();
    idp.faults.push((ctx) => {
      ctx.status = 400;
      ctx.type = 'application/json';
      ctx.body = { error: 'use_dpop_nonce' };
    });
    await expect(manager.getAccessToken()).rejects.toMatchObject({ name: 'TokenEndpointError', error: 'use_dpop_nonce' });
    expect(idp.tokenRequests).toBe(1);
  });

  it('without the dpop option the IdP refuses a client registered for DPoP-bound tokens', async () => {
    const { manager, moduleRef } = await start({ dpop: undefined });
    await expect(manager.getAccessToken()).rejects.toMatchObject({ name: 'TokenEndpointError', status: 400 });
    expect(moduleRef.get(DpopService).status()).toEqual({ mode: 'off' });
    expect(idp.tokenRequestProofs).toEqual([undefined]);
  });
});

describe('DPoP against an IdP that does not support it (answers Bearer)', () => {
  let idp: TestIdp;
  let app: TokenApp | undefined;

  beforeAll(async () => {
    idp = await TestIdp.start({ clients: [CLIENT], dpop: false });
  });
  afterEach(async () => {
    await app?.close();
    app = undefined;
  });
  afterAll(async () => {
    await idp.stop();
  });

  it('a Bearer answer to a DPoP token request is a TokenResponseError that says what to do', async () => {
    app = await startTokenApp({ tokenUrl: idp.tokenUrl, ...CLIENT, dpop: true });
    const failure = await app.manager.getAccessToken().catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(TokenResponseError);
    expect((failure as Error).message).toMatch(/"token_type" is "Bearer", expected "DPoP"/);
    expect((failure as Error).message).toMatch(/not sender-constrained/);
    expect((failure as Error).message).toMatch(/dpop\.allowBearerDowngrade/);
    expect(app.manager.getTokenInfo()).toBeNull();
  });

  it('allowBearerDowngrade accepts the Bearer token and reports tokenType Bearer', async () => {
    const privateKey = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ format: 'pem', type: 'pkcs8' }) as string;
    app = await startTokenApp({ tokenUrl: idp.tokenUrl, ...CLIENT, dpop: { privateKey, allowBearerDowngrade: true } });
    const token = await app.manager.getAccessToken();
    expect(boundThumbprint(token)).toBeUndefined();
    expect(app.manager.getTokenInfo()?.tokenType).toBe('Bearer');
    const headers = await app.moduleRef.get(DpopService).resourceRequestHeaders('GET', 'https://api.example.com/x', token, 'Bearer');
    expect(headers).toEqual({ Authorization: `Bearer ${token}` });
  });
});
