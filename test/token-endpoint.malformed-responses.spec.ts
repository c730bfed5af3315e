import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { ServerResponse } from 'node:http';
import { inspect } from 'node:util';
import { TokenEndpointError, TokenError, TokenResponseError, TokenTimeoutError } from '../lib/index.js';
import { ManualClock } from './support/manual-clock.js';
import { json, ProgrammableServer, type RecordedRequest } from './support/programmable-server.js';
import { startTokenApp, type TokenApp } from './support/token-app.js';

const SECRET = 'fault-suite-secret-9f8e7d';
const GOOD_TOKEN = 'good-token-abcdef123456';

type Fault = (response: ServerResponse, request: RecordedRequest) => void;
const html =
  (status: number): Fault =>
  (response) => {
    response.writeHead(status, { 'content-type': 'text/html' });
    response.end('<html><body>Gateway error ' + GOOD_TOKEN + '</body></html>');
  };

const cases: Array<{
  scenario: string;
  fault: Fault;
  errorClass: abstract new (...args: never[]) => TokenError;
  check?: (error: any) => void;
}> = [
  { scenario: 'an HTML page with status 200', fault: html(200), errorClass: TokenResponseError },
  { scenario: 'truncated JSON', fault: (r) => json(r, 200, '{"access_token":"' + GOOD_TOKEN), errorClass: TokenResponseError },
  { scenario: 'a JSON array', fault: (r) => json(r, 200, [GOOD_TOKEN]), errorClass: TokenResponseError },
  {
    scenario: 'a 200 carrying an error member',
    fault: (r) => json(r, 200, { error: 'invalid_client', access_token: GOOD_TOKEN, token_type: 'Bearer' }),
    errorClass: TokenResponseError,
  },
  {
    scenario: 'a missing access_token',
    fault: (r) => json(r, 200, { token_type: 'Bearer', expires_in: 300 }),
    errorClass: TokenResponseError,
    check: (e) => expect(e.message).toContain('access_token'),
  },
  {
    scenario: 'an empty access_token',
    fault: (r) => json(r, 200, { access_token: '', token_type: 'Bearer', expires_in: 300 }),
    errorClass: TokenResponseError,
  },
  {
    scenario: 'an access_token with a CR LF (header injection)',
    fault: (r) => json(r, 200, { access_token: `${GOOD_TOKEN}\r\nX-Injected: 1`, token_type: 'Bearer' }),
    errorClass: TokenResponseError,
    check: (e) => expect(e.message).toContain('RFC 6749'),
  },
  {
    scenario: 'an access_token with non-ASCII characters',
    fault: (r) => json(r, 200, { access_token: `${GOOD_TOKEN}é`, token_type: 'Bearer' }),
    errorClass: TokenResponseError,
  },
  {
    scenario: 'an access_token with a trailing space',
    fault: (r) => json(r, 200, { access_token: `${GOOD_TOKEN} `, token_type: 'Bearer' }),
    errorClass: TokenResponseError,
  },
  {
    scenario: 'a numeric access_token',
    fault: (r) => json(r, 200, { access_token: 12345, token_type: 'Bearer' }),
    errorClass: TokenResponseError,
  },
  {
    scenario: 'a missing token_type',
    fault: (r) => json(r, 200, { access_token: GOOD_TOKEN, expires_in: 300 }),
    errorClass: TokenResponseError,
    check: (e) => expect(e.message).toContain('token_type'),
  },
  {
    scenario: 'token_type mac',
    fault: (r) => json(r, 200, { access_token: GOOD_TOKEN, token_type: 'mac', expires_in: 300 }),
    errorClass: TokenResponseError,
    check: (e) => expect(e.message).toContain('"mac"'),
  },
  {
    scenario: 'a negative expires_in',
    fault: (r) => json(r, 200, { access_token: GOOD_TOKEN, token_type: 'Bearer', expires_in: -5 }),
    errorClass: TokenResponseError,
    check: (e) => expect(e.message).toContain('expires_in'),
  },
  {
    scenario: 'a zero expires_in',
    fault: (r) => json(r, 200, { access_token: GOOD_TOKEN, token_type: 'Bearer', expires_in: 0 }),
    errorClass: TokenResponseError,
  },
  {
    scenario: 'a non-numeric expires_in string',
    fault: (r) => json(r, 200, { access_token: GOOD_TOKEN, token_type: 'Bearer', expires_in: 'soon' }),
    errorClass: TokenResponseError,
  },
  {
    scenario: 'a body over 1 MiB',
    fault: (r) => json(r, 200, { access_token: GOOD_TOKEN, token_type: 'Bearer', padding: 'x'.repeat(1024 * 1024 + 10) }),
    errorClass: TokenResponseError,
    check: (e) => expect(e.message).toContain('exceeds'),
  },
  {
    scenario: 'a 401 invalid_client with an RFC 6749 error body',
    fault: (r) =>
      json(r, 401, { error: 'invalid_client', error_description: 'client authentication failed', error_uri: 'https://idp.example/errors' }),
    errorClass: TokenEndpointError,
    check: (e) =>
      expect(e).toMatchObject({
        status: 401,
        error: 'invalid_client',
        errorDescription: 'client authentication failed',
        errorUri: 'https://idp.example/errors',
      }),
  },
  {
    scenario: 'a 400 invalid_scope',
    fault: (r) => json(r, 400, { error: 'invalid_scope' }),
    errorClass: TokenEndpointError,
    check: (e) => expect(e).toMatchObject({ status: 400, error: 'invalid_scope' }),
  },
  { scenario: 'a 502 HTML page', fault: html(502), errorClass: TokenEndpointError, check: (e) => expect(e.status).toBe(502) },
  {
    scenario: 'a 503 with Retry-After',
    fault: (r) => json(r, 503, { error: 'temporarily_unavailable' }, { 'retry-after': '7' }),
    errorClass: TokenEndpointError,
    check: (e) => expect(e.retryAfterSeconds).toBe(7),
  },
  {
    scenario: 'a 302 redirect (credentials never follow it)',
    fault: (r) => (r.writeHead(302, { location: 'http://127.0.0.1:1/steal' }), r.end()),
    errorClass: TokenEndpointError,
    check: (e) => expect(e.status).toBe(302),
  },
  {
    scenario: 'an error description echoing the secret',
    fault: (r) => json(r, 401, { error: 'invalid_client', error_description: `bad secret ${SECRET}` }),
    errorClass: TokenEndpointError,
    check: (e) => expect(e.errorDescription).toContain('[redacted]'),
  },
  {
    scenario: 'a connection reset',
    fault: (r) => r.socket?.destroy(),
    errorClass: TokenEndpointError,
    check: (e) => expect(e.code).toBeDefined(),
  },
  {
    scenario: 'a hang past the request timeout',
    fault: () => undefined,
    errorClass: TokenTimeoutError,
    check: (e) => expect(e.timeoutMs).toBe(1000),
  },
];

describe('malformed token responses and error statuses from a fault-injecting token server', () => {
  let server: ProgrammableServer;
  let app: TokenApp;
  let pending: Fault | undefined;
  const clock = new ManualClock();

  beforeAll(async () => {
    server = await ProgrammableServer.start((request, response) => {
      const fault = pending;
      pending = undefined;
      if (fault) return fault(response, request);
      json(response, 200, { access_token: GOOD_TOKEN, token_type: 'bearer', expires_in: '3600' });
    });
    // One attempt: each case scripts one answer; retries have their own suite.
    app = await startTokenApp({
      tokenUrl: `${server.url}/token`,
      clientId: 'fault-client',
      clientSecret: SECRET,
      requestTimeoutMs: 1000,
      retry: { maxAttempts: 1 },
      clock: clock.now,
    });
  });
  afterAll(async () => {
    await app.close();
    await server.stop();
  });

  it.each(cases)('$scenario → $errorClass.name, no secret in it, and the next call recovers', async ({ fault, errorClass, check }) => {
    app.manager.invalidate();
    pending = fault;
    const error = await app.manager.getAccessToken().then(
      () => undefined,
      (reason: unknown) => reason,
    );
    expect(error).toBeInstanceOf(errorClass);
    expect(error).toBeInstanceOf(TokenError);
    check?.(error);
    const rendered = [String(error), (error as Error).stack, inspect(error, { depth: 5 }), JSON.stringify(error)].join('\n');
    expect(rendered).not.toContain(SECRET);
    expect(rendered).not.toContain(Buffer.from(`fault-client:${SECRET}`).toString('base64'));
    expect(rendered).not.toContain(GOOD_TOKEN);

    // Past the failure cooldown (and any Retry-After, capped at 30 s), the next call tries again.
    clock.advanceSeconds(31);
    await expect(app.manager.getAccessToken()).resolves.toBe(GOOD_TOKEN);
  });

  it('a numeric-string expires_in (Entra ID v1) is accepted as seconds', async () => {
    app.manager.invalidate();
    await app.manager.getAccessToken();
    const info = app.manager.getTokenInfo()!;
    expect(info.expiresAt.getTime() - info.obtainedAt.getTime()).toBe(3600_000);
    expect(info.tokenType).toBe('Bearer');
  });

  it('a missing expires_in uses defaultExpiresInSeconds', async () => {
    app.manager.invalidate();
    pending = (r) => json(r, 200, { access_token: GOOD_TOKEN, token_type: 'Bearer' });
    await app.manager.getAccessToken();
    const info = app.manager.getTokenInfo()!;
    expect(info.expiresAt.getTime() - info.obtainedAt.getTime()).toBe(3600_000);
  });
});
