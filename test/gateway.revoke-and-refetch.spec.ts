import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { Test } from '@nestjs/testing';
import { TokenManagerService, TokenModule, type TokenModuleOptions } from '../lib/index.js';
import { CapturingLogger } from './support/capturing-logger.js';
import { GATEWAY_CLIENT, GatewayTokenServer } from './support/gateway-token-server.js';
import { ManualClock } from './support/manual-clock.js';
import { json, ProgrammableServer } from './support/programmable-server.js';
import { startTokenApp, type TokenApp } from './support/token-app.js';

const CALLERS = 50;

describe('a WSO2-like gateway that hands out the same token until it expires', () => {
  let clock: ManualClock;
  let gateway: GatewayTokenServer;
  let app: TokenApp | undefined;

  const start = async (options: Partial<TokenModuleOptions> = {}) => {
    app = await startTokenApp({
      tokenUrl: gateway.tokenUrl,
      ...GATEWAY_CLIENT,
      revocationUrl: gateway.revocationUrl,
      stableAfterSeconds: 60,
      refreshMarginSeconds: 300,
      clock: clock.now,
      ...options,
    });
    return app.manager;
  };
  const concurrently = (manager: TokenApp['manager']) => Promise.all(Array.from({ length: CALLERS }, () => manager.getAccessToken()));

  beforeEach(async () => {
    clock = new ManualClock();
    gateway = await GatewayTokenServer.start(clock, 3600);
  });
  afterEach(async () => {
    await app?.close();
    app = undefined;
    await gateway.stop();
  });

  describe('concurrent callers against a gateway that hands out one token until it expires', () => {
    it('initial fetch: 50 concurrent callers make one token call and no revocation', async () => {
      const manager = await start();
      gateway.delayMs = 30;
      const tokens = await concurrently(manager);
      expect(gateway.tokenRequests).toBe(1);
      expect(gateway.revokeRequests).toBe(0);
      expect(new Set(tokens)).toEqual(new Set([gateway.currentToken]));
    });

    it('near-expiry token: one revocation, then one token call; every caller gets the new token', async () => {
      const manager = await start();
      const old = await manager.getAccessToken();
      clock.advanceSeconds(3400); // 200 s left: inside the 300 s margin
      gateway.resetCounters();
      gateway.delayMs = 30;
      const tokens = await concurrently(manager);
      expect(gateway.revokeRequests).toBe(1);
      expect(gateway.revokedTokens).toEqual([old]);
      expect(gateway.tokenRequests).toBe(1);
      expect(new Set(tokens).size).toBe(1);
      expect(tokens[0]).not.toBe(old);
      expect(tokens[0]).toBe(gateway.currentToken);
    });

    it('stable token: an old token far from expiry is used by 50 callers without any call', async () => {
      const manager = await start();
      const token = await manager.getAccessToken();
      clock.advanceSeconds(120); // past the 60 s stable window, far from expiry
      gateway.resetCounters();
      const tokens = await concurrently(manager);
      expect(gateway.tokenRequests + gateway.revokeRequests + gateway.introspectionRequests).toBe(0);
      expect(tokens.every((value) => value === token)).toBe(true);
    });
  });

  describe('revoke-and-refetch', () => {
    it('a fresh instance handed the gateway’s aging token revokes it and fetches once more', async () => {
      const aging = gateway.issueEarlier(3500); // another instance got it almost an hour ago
      const manager = await start();
      const token = await manager.getAccessToken();
      expect(gateway.revokedTokens).toEqual([aging]);
      expect(gateway.tokenRequests).toBe(2);
      expect(token).not.toBe(aging);
      expect(manager.getTokenInfo()!.expiresAt.getTime()).toBe(clock.now() + 3600_000);
    });

    it('never loops: when the gateway keeps handing out the aging token, it is used after one revocation', async () => {
      const aging = gateway.issueEarlier(3500);
      gateway.ignoreRevocations = true;
      const manager = await start();
      await expect(manager.getAccessToken()).resolves.toBe(aging);
      expect(gateway.revokeRequests).toBe(1);
      expect(gateway.tokenRequests).toBe(2);
    });

    it('a failing revocation endpoint does not cost the caller its token', async () => {
      const aging = gateway.issueEarlier(3500);
      gateway.revocationStatus = 503;
      const manager = await start();
      await expect(manager.getAccessToken()).resolves.toBe(aging);
      expect(gateway.revokeRequests).toBe(1);
    });

    it('without revocationUrl the aging token is simply used (no revocation)', async () => {
      const aging = gateway.issueEarlier(3500);
      const manager = await start({ revocationUrl: undefined });
      await expect(manager.getAccessToken()).resolves.toBe(aging);
      expect(gateway.revokeRequests).toBe(0);
      expect(gateway.tokenRequests).toBe(1);
    });
  });

  describe('renewRejected: the HTTP layer’s 401 path', () => {
    it('when the gateway returns the rejected token, it is revoked and fetched again; 20 concurrent 401s share one renewal', async () => {
      const manager = await start();
      const rejected = await manager.getAccessToken();
      clock.advanceSeconds(120);
      gateway.resetCounters();
      const renewed = await Promise.all(Array.from({ length: 20 }, () => manager.renewRejected(rejected)));
      expect(new Set(renewed).size).toBe(1);
      expect(renewed[0]).not.toBe(rejected);
      expect(gateway.revokedTokens).toEqual([rejected]);
      expect(gateway.tokenRequests).toBe(2);
      await expect(manager.getAccessToken()).resolves.toBe(renewed[0]);
    });

    it('a 401 that joins a plain refresh which hands back the rejected token renews once more, with a revocation', async () => {
      const manager = await start({ cache: false, stableAfterSeconds: 0 });
      const rejected = await manager.getAccessToken();
      gateway.resetCounters();
      gateway.delayMs = 30;
      const [plain, renewed] = await Promise.all([manager.getAccessToken(), manager.renewRejected(rejected)]);
      expect(plain).toBe(rejected);
      expect(renewed).not.toBe(rejected);
      expect(gateway.revokedTokens).toEqual([rejected]);
      expect(gateway.tokenRequests).toBe(3);
    });

    it('a late 401 for a token that was already replaced returns the current token without any call', async () => {
      const manager = await start();
      const first = await manager.getAccessToken();
      const second = await manager.renewRejected(first);
      clock.advanceSeconds(120);
      gateway.resetCounters();
      await expect(manager.renewRejected(first)).resolves.toBe(second);
      expect(gateway.tokenRequests + gateway.revokeRequests).toBe(0);
    });

    it('without a revocation endpoint the rejected token is dropped and fetched once (the gateway may hand it back)', async () => {
      const manager = await start({ revocationUrl: undefined });
      const rejected = await manager.getAccessToken();
      gateway.resetCounters();
      await expect(manager.renewRejected(rejected)).resolves.toBe(rejected);
      expect(gateway.tokenRequests).toBe(1);
      expect(gateway.revokeRequests).toBe(0);
    });
  });

  describe('revokeOnShutdown', () => {
    it('revokes the cached token when the application shuts down', async () => {
      const manager = await start({ revokeOnShutdown: true });
      const token = await manager.getAccessToken();
      await app!.close();
      app = undefined;
      expect(gateway.revokedTokens).toEqual([token]);
      expect(gateway.currentToken).toBeUndefined();
    });

    it('is off by default: shutdown revokes nothing', async () => {
      const manager = await start();
      await manager.getAccessToken();
      await app!.close();
      app = undefined;
      expect(gateway.revokeRequests).toBe(0);
    });
  });
});

describe('a revocation endpoint whose error echoes the token', () => {
  it('the failed revocation is logged without the token', async () => {
    const gateway = await GatewayTokenServer.start(new ManualClock(), 3600);
    const revocation = await ProgrammableServer.start((request, response) => {
      const token = new URLSearchParams(request.body).get('token');
      json(response, 400, { error: 'invalid_request', error_description: `token ${token} is not known here` });
    });
    const logger = new CapturingLogger();
    const moduleRef = await Test.createTestingModule({
      imports: [
        TokenModule.forRoot({
          tokenUrl: gateway.tokenUrl,
          ...GATEWAY_CLIENT,
          revocationUrl: `${revocation.url}/revoke`,
          revokeOnShutdown: true,
        }),
      ],
    }).compile();
    moduleRef.useLogger(logger);
    await moduleRef.init();
    try {
      const token = await moduleRef.get(TokenManagerService).getAccessToken();
      await moduleRef.close();
      const failure = logger.lines.filter((line) => line.includes('Token revocation failed'));
      expect(failure).toHaveLength(1);
      expect(failure[0]).toContain('[redacted]');
      expect(logger.lines.filter((line) => line.includes(token))).toEqual([]);
    } finally {
      await revocation.stop();
      await gateway.stop();
    }
  });
});
