import { afterEach, describe, expect, it } from '@jest/globals';
import { getHealth, type HealthApp, startHealthApp } from '../support/health-app.js';
import { ProgrammableServer } from '../support/programmable-server.js';
import { TestIdp } from '../support/test-idp.js';
import { nextEvent } from '../support/token-app.js';

const SECRET = 'test-secret-value-1234';
const BASIC = Buffer.from(`test-client:${SECRET}`).toString('base64');

describe('GET /health with TokenHealthIndicator (terminus, platform-express)', () => {
  let idp: TestIdp | undefined;
  let health: HealthApp | undefined;

  afterEach(async () => {
    await health?.app.close();
    await idp?.stop().catch(() => undefined);
    health = undefined;
    idp = undefined;
  });

  it('answers 200 up at cold start, acquiring the token, with its expiry and no token in the body', async () => {
    idp = await TestIdp.start({ ttlSeconds: 3600 });
    health = await startHealthApp({ tokenUrl: idp.tokenUrl });
    const { status, body, text } = await getHealth(health);
    expect(status).toBe(200);
    expect(body.status).toBe('ok');
    expect(body.details.oauth2).toEqual({
      status: 'up',
      secondsToExpiry: 3600,
      lastRefreshAt: new Date(health.clock.nowMs).toISOString(),
      lastError: null,
      serverClockOffsetSeconds: expect.any(Number),
    });
    expect(idp.tokenRequests).toBe(1);
    const token = await health.manager.getAccessToken();
    expect(text).not.toContain(token);
  });

  it('answers 503 down when the token expired and the IdP is gone, with the error class and no secret', async () => {
    idp = await TestIdp.start({ ttlSeconds: 3600 });
    health = await startHealthApp({ tokenUrl: idp.tokenUrl });
    const token = await health.manager.getAccessToken();
    expect((await getHealth(health)).status).toBe(200);

    await idp.stop();
    health.clock.advanceSeconds(3601);
    const { status, body, text } = await getHealth(health);
    expect(status).toBe(503);
    expect(body.status).toBe('error');
    expect(body.error.oauth2).toMatchObject({
      status: 'down',
      secondsToExpiry: 0,
      reason: 'no valid token: the token request failed',
      lastError: {
        class: 'TokenEndpointError',
        message: expect.stringMatching(/^Token endpoint POST http:\/\/127\.0\.0\.1:\d+\/\S+ unreachable \(ECONN(REFUSED|RESET)\)$/),
      },
    });
    for (const forbidden of [SECRET, BASIC, token]) expect(text).not.toContain(forbidden);
  });

  it('answers 200 degraded while the cached token is valid but its refresh failed, and up again once a refresh succeeds', async () => {
    idp = await TestIdp.start({ ttlSeconds: 3600 });
    health = await startHealthApp({ tokenUrl: idp.tokenUrl });
    await health.manager.getAccessToken();
    idp.faults.push((ctx) => {
      ctx.status = 401;
      ctx.type = 'application/json';
      ctx.body = { error: 'invalid_client', error_description: `client secret ${SECRET} is wrong` };
    });
    health.clock.advanceSeconds(3600 - 300 + 1); // stale: the next call starts a background refresh
    const failed = nextEvent(health.manager, 'refresh_failed');
    expect((await getHealth(health)).status).toBe(200);
    await failed;

    const degraded = await getHealth(health);
    expect(degraded.status).toBe(200);
    expect(degraded.body.status).toBe('degraded');
    expect(degraded.body.details.oauth2).toMatchObject({
      status: 'degraded',
      secondsToExpiry: 299,
      lastError: { class: 'TokenEndpointError' },
    });
    expect(degraded.body.details.oauth2.lastError.message).toContain('invalid_client');
    expect(degraded.text).not.toContain(SECRET);

    const refreshed = nextEvent(health.manager, 'refreshed');
    await getHealth(health); // starts the next background refresh, which the IdP now answers
    await refreshed;
    const recovered = await getHealth(health);
    expect(recovered.body.details.oauth2).toMatchObject({ status: 'up', secondsToExpiry: 3600 });
  });

  it('answers 503 down when the token endpoint holds the request past the health timeout', async () => {
    const hanging = await ProgrammableServer.start(() => undefined); // accepts the token request, never answers
    try {
      health = await startHealthApp({ tokenUrl: `${hanging.url}/token` });
      const { status, body } = await getHealth(health);
      expect(status).toBe(503);
      expect(body.error.oauth2).toEqual({
        status: 'down',
        secondsToExpiry: null,
        lastRefreshAt: null,
        lastError: null,
        reason: 'no valid token within 300 ms',
      });
      expect(hanging.requests).toHaveLength(1);
    } finally {
      await health?.app.close();
      health = undefined;
      await hanging.stop();
    }
  });
});
