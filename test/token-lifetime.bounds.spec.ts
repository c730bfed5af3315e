import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { MAX_TOKEN_LIFETIME_SECONDS, type TokenEvent } from '../lib/index.js';
import { ManualClock } from './support/manual-clock.js';
import { ProgrammableServer } from './support/programmable-server.js';
import { startLoggedTokenApp, type TokenApp } from './support/token-app.js';
import type { CapturingLogger } from './support/capturing-logger.js';

const ONE_YEAR_MS = 365 * 24 * 3600 * 1000;

describe('an IdP that says its token lives (almost) forever', () => {
  let server: ProgrammableServer;
  let app: TokenApp & { logger: CapturingLogger };
  /** The raw JSON text of `expires_in`, so values beyond a double (1e400) reach the client as sent. */
  let expiresInJson: string;
  const clock = new ManualClock();

  beforeAll(async () => {
    server = await ProgrammableServer.start((_, response) => {
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end(`{"access_token":"long-lived-token-${server.requests.length}","token_type":"Bearer","expires_in":${expiresInJson}}`);
    });
  });
  afterEach(() => app.close());
  afterAll(() => server.stop());

  it.each(['1e13', '1e308', '1e400', '"99999999999999999999999"'])(
    'expires_in %s: the first call gets the token, its lifetime is capped to one year (a debug line says so) and every date is valid',
    async (expiresIn) => {
      expiresInJson = expiresIn;
      app = await startLoggedTokenApp({
        tokenUrl: `${server.url}/token`,
        clientId: 'long-lived',
        clientSecret: 'long-lived-secret',
        clock: clock.now,
      });
      const events: TokenEvent[] = [];
      app.manager.events$.subscribe((event) => events.push(event));
      const requestsBefore = server.requests.length;

      const token = await app.manager.getAccessToken();
      expect(token).toMatch(/^long-lived-token-/);
      const info = app.manager.getTokenInfo()!;
      for (const date of [info.obtainedAt, info.expiresAt, info.refreshAt]) expect(Number.isNaN(date.getTime())).toBe(false);
      expect(MAX_TOKEN_LIFETIME_SECONDS * 1000).toBe(ONE_YEAR_MS);
      expect(info.expiresAt.getTime() - info.obtainedAt.getTime()).toBe(ONE_YEAR_MS);
      expect(events).toContainEqual(expect.objectContaining({ type: 'acquired', expiresInSeconds: MAX_TOKEN_LIFETIME_SECONDS }));
      expect(app.logger.lines).toContainEqual(
        expect.stringContaining(`expires_in exceeds the longest lifetime believed: capped to ${MAX_TOKEN_LIFETIME_SECONDS} s`),
      );
      expect(JSON.stringify(app.manager)).toContain(info.expiresAt.toISOString());

      // Served from memory for most of the year; refreshed ahead of its (capped) expiry.
      clock.advanceSeconds(MAX_TOKEN_LIFETIME_SECONDS - 3600);
      await expect(app.manager.getAccessToken()).resolves.toBe(token);
      expect(server.requests.length - requestsBefore).toBe(1);
      clock.advanceSeconds(3600);
      await expect(app.manager.getAccessToken()).resolves.not.toBe(token);
    },
  );
});
