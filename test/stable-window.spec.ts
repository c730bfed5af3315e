import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { GATEWAY_CLIENT, GatewayTokenServer } from './support/gateway-token-server.js';
import { ManualClock } from './support/manual-clock.js';
import { TestIdp } from './support/test-idp.js';
import { startTokenApp, type TokenApp } from './support/token-app.js';

describe('stable window: young tokens are re-verified before use', () => {
  describe('by asking the gateway’s token endpoint again', () => {
    let clock: ManualClock;
    let gateway: GatewayTokenServer;
    let app: TokenApp;

    beforeEach(async () => {
      clock = new ManualClock();
      gateway = await GatewayTokenServer.start(clock, 3600);
      app = await startTokenApp({ tokenUrl: gateway.tokenUrl, ...GATEWAY_CLIENT, stableAfterSeconds: 60, clock: clock.now });
    });
    afterEach(async () => {
      await app.close();
      await gateway.stop();
    });

    it('a 10 s old token is confirmed by one token call shared by 20 concurrent callers, and keeps its age', async () => {
      const token = await app.manager.getAccessToken();
      const obtainedAt = app.manager.getTokenInfo()!.obtainedAt;
      clock.advanceSeconds(10);
      gateway.resetCounters();
      gateway.delayMs = 30;
      const tokens = await Promise.all(Array.from({ length: 20 }, () => app.manager.getAccessToken()));
      expect(gateway.tokenRequests).toBe(1);
      expect(tokens.every((value) => value === token)).toBe(true);
      expect(app.manager.getTokenInfo()!.obtainedAt).toEqual(obtainedAt);
      clock.advanceSeconds(51); // now 61 s old: stable
      gateway.resetCounters();
      await expect(app.manager.getAccessToken()).resolves.toBe(token);
      expect(gateway.tokenRequests).toBe(0);
    });

    it('a token exactly stableAfterSeconds old is served from memory without a call; one millisecond younger it is verified', async () => {
      const token = await app.manager.getAccessToken();
      clock.advanceMs(60_000 - 1);
      gateway.resetCounters();
      expect(app.manager.peekFreshToken()).toBeUndefined();
      await expect(app.manager.getAccessToken()).resolves.toBe(token);
      expect(gateway.tokenRequests).toBe(1);
      clock.advanceMs(1);
      gateway.resetCounters();
      expect(app.manager.peekFreshToken()).toBe(token);
      await expect(app.manager.getAccessToken()).resolves.toBe(token);
      expect(gateway.tokenRequests).toBe(0);
    });

    it('a verification that fails (gateway 503) keeps the unexpired cached token instead of failing callers', async () => {
      const token = await app.manager.getAccessToken();
      clock.advanceSeconds(5);
      gateway.resetCounters();
      gateway.failingTokenRequests = 1;
      await expect(app.manager.getAccessToken()).resolves.toBe(token);
      expect(gateway.tokenRequests).toBe(1);
    });

    it('when another instance revoked the young token, the verification hands out the gateway’s new token', async () => {
      const token = await app.manager.getAccessToken();
      clock.advanceSeconds(5);
      gateway.revokeFromElsewhere();
      const replacement = await app.manager.getAccessToken();
      expect(replacement).not.toBe(token);
      expect(replacement).toBe(gateway.currentToken);
    });
  });

  describe('by RFC 7662 introspection at oidc-provider', () => {
    let idp: TestIdp;
    let app: TokenApp;
    const client = { clientId: 'test-client', clientSecret: 'test-secret-value-1234' };

    beforeAll(async () => {
      idp = await TestIdp.start({ format: 'opaque' });
    });
    afterAll(async () => {
      await idp.stop();
    });
    beforeEach(async () => {
      app = await startTokenApp({ tokenUrl: idp.tokenUrl, ...client, introspectionUrl: idp.introspectionUrl, stableAfterSeconds: 60 });
    });
    afterEach(async () => {
      await app.close();
    });

    it('an active young token is confirmed by introspection without a token request', async () => {
      const token = await app.manager.getAccessToken();
      idp.tokenRequests = 0;
      await expect(app.manager.getAccessToken()).resolves.toBe(token);
      expect(idp.tokenRequests).toBe(0);
    });

    it('a young token revoked elsewhere is found inactive and replaced by a new one', async () => {
      const token = await app.manager.getAccessToken();
      const basic = Buffer.from(`${client.clientId}:${client.clientSecret}`).toString('base64');
      const revoked = await fetch(idp.revocationUrl, {
        method: 'POST',
        headers: { authorization: `Basic ${basic}`, 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ token }).toString(),
      });
      expect(revoked.status).toBe(200);
      idp.tokenRequests = 0;
      const replacement = await app.manager.getAccessToken();
      expect(replacement).not.toBe(token);
      expect(idp.tokenRequests).toBe(1);
    });
  });
});
