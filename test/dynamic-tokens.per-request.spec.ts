import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { createRemoteJWKSet, decodeJwt, jwtVerify } from 'jose';
import { firstValueFrom } from 'rxjs';
import { TokenConfigError } from '../lib/index.js';
import { validateTokenOptions } from '../lib/validation/validate-token-options.js';
import { ManualClock } from './support/manual-clock.js';
import { ScriptedTokenEndpoint } from './support/scripted-token-endpoint.js';
import { TokenManagerService } from './support/standalone-token-manager.js';
import { TestIdp } from './support/test-idp.js';
import { startTokenApp, type TokenApp } from './support/token-app.js';

const ORDERS = 'https://orders.example.test/';
const BILLING = 'https://billing.example.test/';
const SHIPPING = 'https://shipping.example.test/';
const CLIENT = { clientId: 'test-client', clientSecret: 'test-secret-value-1234' };

describe('per-request token parameters against oidc-provider with resource indicators', () => {
  let idp: TestIdp;
  let app: TokenApp;

  beforeAll(async () => {
    idp = await TestIdp.start({ audienceFromResource: true });
  });
  afterAll(async () => {
    await idp.stop();
  });
  beforeEach(async () => {
    idp.tokenRequests = 0;
    idp.delayMs = 0;
    app = await startTokenApp({ tokenUrl: idp.tokenUrl, ...CLIENT });
  });
  afterEach(async () => {
    await app.close();
  });

  it('three resources with 200 concurrent callers each make exactly three token requests, each token for its own resource', async () => {
    idp.delayMs = 50;
    const resources = [ORDERS, BILLING, SHIPPING];
    const calls = resources.flatMap((resource) =>
      Array.from({ length: 200 }, () => app.manager.getAccessToken({ resource }).then((token) => ({ resource, token }))),
    );
    const results = await Promise.all(calls);
    expect(idp.tokenRequests).toBe(3);
    const jwks = createRemoteJWKSet(new URL(idp.jwksUrl));
    for (const resource of resources) {
      const tokens = new Set(results.filter((result) => result.resource === resource).map((result) => result.token));
      expect(tokens.size).toBe(1);
      const [token] = tokens;
      const { payload } = await jwtVerify(token, jwks, { issuer: idp.issuer, audience: resource });
      expect(payload.aud).toBe(resource);
    }
  });

  it('calls without parameters keep the registration’s token, separate from per-request tokens', async () => {
    const plain = await app.manager.getAccessToken();
    const withSignalOnly = await app.manager.getAccessToken({ signal: new AbortController().signal });
    const orders = await app.manager.getAccessToken({ resource: ORDERS });
    expect(withSignalOnly).toBe(plain);
    expect(orders).not.toBe(plain);
    expect(await app.manager.getAccessToken()).toBe(plain);
    expect(idp.tokenRequests).toBe(2);
  });

  it('scope order and duplicates do not make a new token; resource order does not either', async () => {
    const first = await app.manager.getAccessToken({ resource: ORDERS, scope: 'api:read api:write' });
    const reordered = await app.manager.getAccessToken({ resource: [ORDERS], scope: ['api:write', 'api:read', 'api:read'] });
    expect(reordered).toBe(first);
    expect(idp.tokenRequests).toBe(1);
    expect(decodeJwt(first).scope).toBe('api:read api:write');
  });

  it('extraParams and audience are part of the key: each value gets its own token request', async () => {
    const tenantA = await app.manager.getAccessToken({ resource: ORDERS, extraParams: { tenant: 'a' } });
    const tenantB = await app.manager.getAccessToken({ resource: ORDERS, extraParams: { tenant: 'b' } });
    const audienceX = await app.manager.getAccessToken({ resource: ORDERS, audience: 'x' });
    const audienceY = await app.manager.getAccessToken({ resource: ORDERS, audience: 'y' });
    expect(new Set([tenantA, tenantB, audienceX, audienceY]).size).toBe(4);
    expect(idp.tokenRequests).toBe(4);
    expect(await app.manager.getAccessToken({ extraParams: { tenant: 'a' }, resource: ORDERS })).toBe(tenantA);
    expect(idp.tokenRequests).toBe(4);
  });

  it('forceRenewal replaces the token once for 50 concurrent callers asking for it, and only for its parameters', async () => {
    const before = await app.manager.getAccessToken({ resource: ORDERS });
    const billing = await app.manager.getAccessToken({ resource: BILLING });
    idp.delayMs = 30;
    const renewed = await Promise.all(
      Array.from({ length: 50 }, () => app.manager.getAccessToken({ resource: ORDERS, forceRenewal: true })),
    );
    expect(new Set(renewed).size).toBe(1);
    expect(renewed[0]).not.toBe(before);
    expect(idp.tokenRequests).toBe(3);
    expect(await app.manager.getAccessToken({ resource: ORDERS })).toBe(renewed[0]);
    expect(await app.manager.getAccessToken({ resource: BILLING })).toBe(billing);
  });

  it('accessTokenFor$ emits the token for its parameters and completes', async () => {
    const token = await firstValueFrom(app.manager.accessTokenFor$({ resource: BILLING }));
    expect(token).toBe(await app.manager.getAccessToken({ resource: BILLING }));
    expect(idp.tokenRequests).toBe(1);
  });

  it('getTokenInfo(parameters) describes the token for those parameters, and never creates one', async () => {
    expect(app.manager.getTokenInfo({ resource: ORDERS })).toBeNull();
    await app.manager.getAccessToken({ resource: ORDERS, scope: 'api:read' });
    expect(app.manager.getTokenInfo({ resource: ORDERS, scope: 'api:read' })?.scope).toBe('api:read');
    expect(app.manager.getTokenInfo({ resource: BILLING })).toBeNull();
    expect(app.manager.getTokenInfo()).toBeNull();
    expect(idp.tokenRequests).toBe(1);
  });

  it('invalid parameters reject with a TokenConfigError naming each field, never quoting the value', async () => {
    const error = await app.manager
      .getAccessToken({ resource: 'not a uri secret-ish-value', extraParams: { client_secret: 'leak-me' } })
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(TokenConfigError);
    const { message } = error as TokenConfigError;
    expect(message).toContain('resource');
    expect(message).toContain('extraParams.client_secret');
    expect(message).not.toContain('secret-ish-value');
    expect(message).not.toContain('leak-me');
    expect(idp.tokenRequests).toBe(0);
  });
});

describe('maxCachedTokens', () => {
  let idp: TestIdp;
  let app: TokenApp;

  beforeAll(async () => {
    idp = await TestIdp.start({ audienceFromResource: true });
    app = await startTokenApp({ tokenUrl: idp.tokenUrl, ...CLIENT, maxCachedTokens: 2 });
  });
  afterAll(async () => {
    await app.close();
    await idp.stop();
  });

  it('the least recently used parameter set is dropped past the bound, and comes back with a new token request', async () => {
    const orders = await app.manager.getAccessToken({ resource: ORDERS });
    await app.manager.getAccessToken({ resource: BILLING });
    expect(await app.manager.getAccessToken({ resource: ORDERS })).toBe(orders);
    await app.manager.getAccessToken({ resource: SHIPPING });
    expect(idp.tokenRequests).toBe(3);
    expect(app.manager.getTokenInfo({ resource: BILLING })).toBeNull();
    expect(app.manager.getTokenInfo({ resource: ORDERS })).not.toBeNull();
    const billingAgain = await app.manager.getAccessToken({ resource: BILLING });
    expect(idp.tokenRequests).toBe(4);
    expect(decodeJwt(billingAgain).aud).toBe(BILLING);
  });
});

describe('per-request parameters in session mode', () => {
  it('are refused with a TokenConfigError before any request: the single-use session code is never spent twice', async () => {
    const clock = new ManualClock();
    const endpoint = new ScriptedTokenEndpoint(clock);
    const options = validateTokenOptions({
      tokenUrl: 'https://idp.example.test/token',
      ...CLIENT,
      clock: clock.now,
      sessionExchange: { url: 'https://idp.example.test/sessions/exchange', code: 'single-use-code' },
    });
    const manager = new TokenManagerService(options, endpoint.asClient());
    const error = await manager.getAccessToken({ scope: 'api:read' }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(TokenConfigError);
    expect((error as Error).message).toContain('sessionExchange');
    expect(endpoint.requests).toBe(0);
    await manager.onModuleDestroy();
  });
});
