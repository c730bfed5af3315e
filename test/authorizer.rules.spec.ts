import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import type { Subscription } from 'rxjs';
import { decodeJwt, decodeProtectedHeader } from 'jose';
import { credentialSchemeFor } from '../lib/authorizer/dpop-credential-scheme.js';
import { OriginAllowlist } from '../lib/authorizer/origin-allowlist.js';
import { type OutgoingRequest, RequestAuthorizer } from '../lib/authorizer/request-authorizer.js';
import { RequestGrant } from '../lib/authorizer/request-grant.js';
import { DpopService, type TokenEvent } from '../lib/index.js';
import { TestIdp } from './support/test-idp.js';
import { startTokenApp, type TokenApp } from './support/token-app.js';

// The transport-neutral rules, without axios: requests and answers as any transport would describe them.
const API = 'https://api.example.test';
const FOREIGN = 'https://elsewhere.example.test';
const CLIENT = { clientId: 'authorizer-client', clientSecret: 'authorizer-secret-1234' };

function request(url: string, init: { method?: string; authorization?: string; replayable?: boolean } = {}): OutgoingRequest {
  return {
    method: init.method ?? 'GET',
    origin: new URL(url).origin,
    url: () => url,
    headers: { has: (name) => name.toLowerCase() === 'authorization' && init.authorization !== undefined },
    replayable: init.replayable ?? true,
  };
}

function answer(status: number, headers: Record<string, string> = {}) {
  return { status, header: (name: string) => headers[name] };
}

describe('the request authorizer with Bearer tokens', () => {
  let idp: TestIdp;
  let app: TokenApp;
  let events: TokenEvent[];
  let subscription: Subscription;
  const authorizer = (options: Partial<ConstructorParameters<typeof RequestAuthorizer>[1]> = {}) =>
    new RequestAuthorizer(app.manager, { allowlist: new OriginAllowlist([API]), ...options });

  beforeAll(async () => {
    idp = await TestIdp.start({ clients: [CLIENT] });
    app = await startTokenApp({ tokenUrl: idp.tokenUrl, ...CLIENT });
  });
  afterAll(async () => {
    await app.close();
    await idp.stop();
  });
  beforeEach(() => {
    app.manager.invalidate();
    idp.tokenRequests = 0;
    events = [];
    subscription = app.manager.events$.subscribe((event) => events.push(event));
  });
  afterEach(() => subscription.unsubscribe());

  it('100 requests to a cold manager wait for one token request; the next one is authorized synchronously', async () => {
    const rules = authorizer();
    const grants = await Promise.all(
      Array.from({ length: 100 }, (_, index) => Promise.resolve(rules.authorize(request(`${API}/items/${index}`)))),
    );
    const token = await app.manager.getAccessToken();
    expect(idp.tokenRequests).toBe(1);
    expect(grants.every((grant) => grant?.headers.Authorization === `Bearer ${token}`)).toBe(true);

    const warm = rules.authorize(request(`${API}/items`));
    expect(warm).toBeInstanceOf(RequestGrant);
    expect((warm as RequestGrant).headers).toEqual({ Authorization: `Bearer ${token}` });
    expect(rules.peekToken()).toBe(token);
  });

  it('a foreign origin, a non-http URL and a request with its own Authorization get nothing, and cost no token request', async () => {
    const rules = authorizer();
    expect(rules.authorize(request(`${FOREIGN}/items`))).toBeUndefined();
    expect(rules.authorize({ ...request(`${API}/items`), origin: undefined })).toBeUndefined();
    expect(rules.authorize(request(`${API}/items`, { authorization: 'Basic dXNlcjpwYXNz' }))).toBeUndefined();
    expect(idp.tokenRequests).toBe(0);
  });

  it('200 concurrent 401s for the same token: one renewal at the IdP, each resent once, and a second 401 is handed back', async () => {
    const retried: string[] = [];
    const rules = authorizer({ onUnauthorizedRetry: (origin) => retried.push(origin) });
    const first = (await rules.authorize(request(`${API}/items`)))!;
    const resends = await Promise.all(Array.from({ length: 200 }, () => rules.recover(first, answer(401))));
    const renewed = await app.manager.getAccessToken();
    expect(renewed).not.toBe(first.token);
    expect(idp.tokenRequests).toBe(2);
    expect(resends.every((grant) => grant?.headers.Authorization === `Bearer ${renewed}`)).toBe(true);
    expect(retried).toEqual(Array.from({ length: 200 }, () => API));

    expect(await rules.recover(resends[0]!, answer(401))).toBeUndefined();
    expect(idp.tokenRequests).toBe(2);
  });

  it('a late 401 for an older token resends with the newer one and never drops it', async () => {
    const rules = authorizer();
    const old = (await rules.authorize(request(`${API}/items`)))!;
    await rules.recover(old, answer(401));
    const current = await app.manager.getAccessToken();
    const requestsSoFar = idp.tokenRequests;

    const late = await rules.recover(old, answer(401));
    expect(late?.token).toBe(current);
    expect(await app.manager.getAccessToken()).toBe(current);
    expect(idp.tokenRequests).toBe(requestsSoFar);
  });

  it('a 401 to a body that cannot be replayed invalidates the token without a resend; the next request gets a new one', async () => {
    const rules = authorizer();
    const streamed = (await rules.authorize(request(`${API}/upload`, { method: 'POST', replayable: false })))!;
    expect(await rules.recover(streamed, answer(401))).toBeUndefined();
    expect(app.manager.peekFreshToken()).toBeUndefined();
    const next = (await rules.authorize(request(`${API}/items`)))!;
    expect(next.token).not.toBe(streamed.token);
  });

  it('retryOn401 false, a predicate saying no, and answers other than 401 renew nothing', async () => {
    const seen: number[] = [];
    const never = authorizer({ retryOn401: false });
    const picky = authorizer({ retryOn401: (response) => (seen.push(response.status), false) });
    const grant = (await never.authorize(request(`${API}/items`)))!;
    expect(await never.recover(grant, answer(401))).toBeUndefined();
    expect(await picky.recover(grant, answer(401))).toBeUndefined();
    expect(await authorizer().recover(grant, answer(403))).toBeUndefined();
    expect(seen).toEqual([401]);
    expect(app.manager.peekFreshToken()).toBe(grant.token);
    expect(idp.tokenRequests).toBe(1);
  });

  it('without onUnauthorizedRetry, the manager reports the resend as an unauthorized_retry event with the origin', async () => {
    const rules = authorizer();
    const grant = (await rules.authorize(request(`${API}/items`)))!;
    await rules.recover(grant, answer(401));
    expect(events.filter((event) => event.type === 'unauthorized_retry')).toMatchObject([{ origin: API }]);
  });

  it('redirects keep Bearer credentials only to allowed origins, and once dropped they stay dropped', async () => {
    const rules = new RequestAuthorizer(app.manager, { allowlist: new OriginAllowlist([API, 'https://other.example.test']) });
    const grant = (await rules.authorize(request(`${API}/items`)))!;
    expect(rules.redirectCredentials(grant, 'https://other.example.test')).toEqual(grant.headers);
    expect(rules.redirectCredentials(grant, FOREIGN)).toBeUndefined();
    expect(rules.redirectCredentials(grant, API)).toBeUndefined();
    // What came back from there says nothing about our token.
    expect(await rules.recover(grant, answer(401))).toBeUndefined();
    expect(app.manager.peekFreshToken()).toBe(grant.token);
  });

  it('a request moved to a foreign origin before dispatch loses its credentials, and its 401 renews nothing', async () => {
    const rules = authorizer();
    const grant = (await rules.authorize(request(`${API}/items`)))!;
    expect(rules.mayDispatch(grant, API)).toBe(true);
    expect(rules.mayDispatch(grant, FOREIGN)).toBe(false);
    expect(await rules.recover(grant, answer(401))).toBeUndefined();
    expect(idp.tokenRequests).toBe(1);
  });

  it('a grant prints and serialises as its origin only', async () => {
    const grant = (await authorizer().authorize(request(`${API}/items`)))!;
    expect(JSON.stringify(grant)).toBe(JSON.stringify({ origin: API }));
    expect((await import('node:util')).inspect(grant)).not.toContain(grant.token);
  });
});

describe('the request authorizer with DPoP', () => {
  let idp: TestIdp;
  let app: TokenApp;
  let dpop: DpopService;
  let rules: RequestAuthorizer;
  const DPOP_CLIENT = { clientId: 'authorizer-dpop-client', clientSecret: 'authorizer-dpop-secret-1234' };

  beforeAll(async () => {
    idp = await TestIdp.start({ clients: [{ ...DPOP_CLIENT, dpopBound: true }], dpop: {} });
    app = await startTokenApp({ tokenUrl: idp.tokenUrl, ...DPOP_CLIENT, dpop: true });
    dpop = app.moduleRef.get(DpopService);
    rules = new RequestAuthorizer(app.manager, { allowlist: new OriginAllowlist([API]), scheme: credentialSchemeFor(app.manager, dpop) });
  });
  afterAll(async () => {
    await app.close();
    await idp.stop();
  });

  it('a request gets DPoP credentials with a proof for its method and URL, never synchronously', async () => {
    await app.manager.getAccessToken();
    expect(rules.peekToken()).toBeUndefined();
    const pending = rules.authorize(request(`${API}/items?page=2`, { method: 'POST' }));
    expect(pending).toBeInstanceOf(Promise);
    const grant = (await pending)!;
    expect(grant.headers.Authorization).toBe(`DPoP ${grant.token}`);
    expect(decodeProtectedHeader(grant.headers.DPoP!).typ).toBe('dpop+jwt');
    expect(decodeJwt(grant.headers.DPoP!)).toMatchObject({ htm: 'POST', htu: `${API}/items` });
  });

  it('a use_dpop_nonce challenge is met once with the same token and the new nonce, and never renews it', async () => {
    const grant = (await rules.authorize(request(`${API}/items`)))!;
    const challenge = answer(401, { 'www-authenticate': 'DPoP error="use_dpop_nonce"', 'dpop-nonce': 'nonce-1' });
    const resend = (await rules.recover(grant, challenge))!;
    expect(resend.token).toBe(grant.token);
    expect(decodeJwt(resend.headers.DPoP!).nonce).toBe('nonce-1');
    expect(
      await rules.recover(resend, answer(401, { 'www-authenticate': 'DPoP error="use_dpop_nonce"', 'dpop-nonce': 'nonce-2' })),
    ).toBeUndefined();
    expect(app.manager.peekFreshToken() ?? (await app.manager.getAccessToken())).toBe(grant.token);
  });

  it('no redirect carries DPoP credentials, even to an allowed origin', async () => {
    const grant = (await rules.authorize(request(`${API}/items`)))!;
    expect(rules.redirectCredentials(grant, API)).toBeUndefined();
    expect(grant.credentialsDropped).toBe(true);
  });
});
