import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { MemoryTokenStore, type TokenModuleOptions, type TokenStore } from '../lib/index.js';
import { RedisTokenStore } from '../lib/redis/index.js';
import { GATEWAY_CLIENT, GatewayTokenServer } from './support/gateway-token-server.js';
import { startHttpApp, type HttpApp } from './support/http-app.js';
import { ManualClock } from './support/manual-clock.js';
import { ProtectedResource } from './support/protected-resource.js';
import { describeWithRedisServer, RedisServer } from './support/redis-server.js';

const INSTANCES = 4;

/**
 * A fleet of Nest applications sharing one token through a store, in front of a gateway that issues a
 * new token at every request and thereby revokes the previous one, and an API that accepts only the
 * gateway's current token. `storeFor(index)` gives each instance its store (one shared object, or one
 * Redis client each, as separate processes would have).
 */
function rejectedTokenScenarios(storeFor: (index: number) => TokenStore) {
  let gateway: GatewayTokenServer;
  let api: ProtectedResource;
  const apps: HttpApp[] = [];
  const startInstance = async (index: number, options: Partial<TokenModuleOptions> = {}) => {
    const app = await startHttpApp({
      tokenUrl: gateway.tokenUrl,
      ...GATEWAY_CLIENT,
      store: storeFor(index),
      http: { baseURL: api.url },
      ...options,
    });
    apps.push(app);
    return app;
  };
  /** The status of a GET through the instance's HttpService (after its one-shot 401 retry). */
  const statusOf = (app: HttpApp) =>
    app.send({ url: '/orders' }).then(
      (response) => response.status,
      (error: { response?: { status: number } }) => error.response?.status ?? 0,
    );

  beforeEach(async () => {
    gateway = await GatewayTokenServer.start(new ManualClock());
    gateway.revokePreviousOnIssue = true;
    api = await ProtectedResource.start(async (token) => (token === gateway.currentToken ? 'ok' : 'invalid_token'));
  });
  afterEach(async () => {
    await Promise.all(apps.splice(0).map((app) => app.close()));
    await Promise.all([gateway.stop(), api.stop()]);
  });

  it('every instance gets a 401 for the shared token at once: one token request renews it for the whole fleet, and nobody is knocked out', async () => {
    const fleet = await Promise.all(Array.from({ length: INSTANCES }, (_, index) => startInstance(index)));
    for (const app of fleet) expect(await statusOf(app)).toBe(200);
    expect(gateway.tokenRequests).toBe(1);

    // Someone else takes a token for this client: the fleet's token is revoked.
    gateway.issueEarlier(0);
    gateway.resetCounters();
    gateway.delayMs = 30;
    expect(await Promise.all(fleet.map(statusOf))).toEqual(fleet.map(() => 200));
    expect(gateway.tokenRequests).toBe(1);

    // The renewed token is the fleet's: later calls, and a new instance, cost no token request.
    expect(await Promise.all(fleet.map(statusOf))).toEqual(fleet.map(() => 200));
    expect(await statusOf(await startInstance(INSTANCES))).toBe(200);
    expect(gateway.tokenRequests).toBe(1);
    expect(new Set(fleet.map((app) => app.manager.getTokenInfo()?.obtainedAt.getTime())).size).toBe(1);
  });

  it('revokeOnShutdown: the leaving instance takes the token out of the store before revoking it, so the fleet renews it once', async () => {
    const [leaving, staying] = await Promise.all([
      startInstance(0, { revocationUrl: gateway.revocationUrl, revokeOnShutdown: true }),
      startInstance(1),
    ]);
    gateway.revokePreviousOnIssue = false;
    const shared = await leaving.manager.getAccessToken();
    expect(await staying.manager.getAccessToken()).toBe(shared);
    await leaving.close();
    expect(gateway.revokedTokens).toEqual([shared]);

    // A new instance is not handed the revoked token; the one still holding it renews once, through the lease.
    gateway.resetCounters();
    const newcomer = await startInstance(2);
    const [status, token] = await Promise.all([statusOf(staying), newcomer.manager.getAccessToken()]);
    expect(status).toBe(200);
    expect(token).not.toBe(shared);
    expect(await staying.manager.getAccessToken()).toBe(token);
    expect(gateway.tokenRequests).toBe(1);
  });
}

describe('a fleet sharing a MemoryTokenStore, in front of a gateway that revokes the previous token when it issues one', () => {
  let store: MemoryTokenStore;
  beforeEach(() => {
    store = new MemoryTokenStore();
  });
  rejectedTokenScenarios(() => store);
});

describeWithRedisServer(
  'a fleet sharing a real redis-server, in front of a gateway that revokes the previous token when it issues one',
  () => {
    let redis: RedisServer;
    let keyPrefix = '';
    beforeAll(async () => {
      redis = await RedisServer.start();
    }, 30_000);
    beforeEach(() => {
      keyPrefix = `rejected-${Math.random().toString(36).slice(2)}:`;
    });
    afterAll(async () => {
      await redis?.stop();
    });
    rejectedTokenScenarios(() => new RedisTokenStore({ redis: redis.url, keyPrefix }));
  },
);
