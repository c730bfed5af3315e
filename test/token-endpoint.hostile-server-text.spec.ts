import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import type { ServerResponse } from 'node:http';
import { inspect } from 'node:util';
import { formUrlEncode } from '../lib/endpoint/client-authentication.js';
import { TokenEndpointError, TokenResponseError } from '../lib/index.js';
import { json, ProgrammableServer } from './support/programmable-server.js';
import { startLoggedTokenApp, type TokenApp } from './support/token-app.js';
import type { CapturingLogger } from './support/capturing-logger.js';

const SECRET = 'hostile-text-secret-3b9d41';
const BASIC = Buffer.from(`hostile-client:${formUrlEncode(SECRET)}`).toString('base64');
/** Control characters a log line or a terminal must never receive from a server: line breaks, ESC (ANSI), a bidi override. */
// eslint-disable-next-line no-control-regex -- the control characters are what this test looks for
const RAW_CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/;

describe('text an IdP sends back, quoted in errors and log lines', () => {
  let server: ProgrammableServer;
  let app: TokenApp & { logger: CapturingLogger };
  let answer: (response: ServerResponse) => void;

  beforeAll(async () => {
    server = await ProgrammableServer.start((_, response) => answer(response));
  });
  afterEach(() => app.close());
  afterAll(() => server.stop());

  const start = () =>
    startLoggedTokenApp({ tokenUrl: `${server.url}/token`, clientId: 'hostile-client', clientSecret: SECRET, retry: { maxAttempts: 1 } });
  const failure = () =>
    app.manager.getAccessToken().then(
      () => undefined,
      (reason: unknown) => reason as Error,
    );
  /** Everything of the error a user or a log sink could see, and every log line. */
  const everythingShown = (error: Error | undefined) =>
    [String(error), error?.stack, inspect(error, { depth: 5 }), JSON.stringify(error), ...app.logger.lines].join('\n');

  it.each([
    ['the client secret', SECRET],
    ['the Basic credentials', BASIC],
  ])('an error description quoting %s across the 300-character cut leaves no prefix of it', async (_, quoted) => {
    app = await start();
    // The quoted value starts 10 characters before the cut, so truncating first would keep its first 10.
    answer = (response) =>
      json(response, 401, { error: 'invalid_client', error_description: `${'x'.repeat(290)}${quoted} was not accepted` });
    const error = await failure();
    expect(error).toBeInstanceOf(TokenEndpointError);
    expect((error as TokenEndpointError).errorDescription).toBe(`${'x'.repeat(290)}[redacted]…`);
    expect(everythingShown(error)).not.toContain(quoted.slice(0, 10));
  });

  it('newlines and ANSI escapes in error, error_description and error_uri reach errors and log lines escaped, never raw', async () => {
    app = await start();
    const forged = '\n[Nest] 1  - 01/01/2026, 00:00:00     LOG [TokenManager] Token acquired';
    answer = (response) =>
      json(response, 400, {
        error: `invalid_request\r${forged}`,
        error_description: `\u001b[2J\u001b[31mclient disabled\u001b[0m${forged}\u202e`,
        error_uri: `https://idp.example/errors\n${forged}`,
      });
    const error = await failure();
    expect(error).toBeInstanceOf(TokenEndpointError);
    const { error: code, errorDescription, errorUri } = error as TokenEndpointError;
    for (const text of [error!.message, code, errorDescription, errorUri, ...app.logger.lines]) expect(text).not.toMatch(RAW_CONTROL);
    expect(errorDescription).toBe(
      `\\u001b[2J\\u001b[31mclient disabled\\u001b[0m\\n[Nest] 1  - 01/01/2026, 00:00:00     LOG [TokenManager] Token acquired\\u202e`,
    );
    expect(code).toBe('invalid_request\\r\\n[Nest] 1  - 01/01/2026, 00:00:00     LOG [TokenManager] Token acquired');
    expect(app.logger.lines).toContainEqual(
      expect.stringMatching(/^warn Token refresh failed after \d+ ms: TokenEndpointError: .*invalid_request\\r\\n\[Nest\]/),
    );
  });

  it('a token_type with control characters is quoted escaped in the TokenResponseError', async () => {
    app = await start();
    answer = (response) =>
      json(response, 200, { access_token: 'hostile-token-value', token_type: 'mac\n\u001b[31mforged', expires_in: 60 });
    const error = await failure();
    expect(error).toBeInstanceOf(TokenResponseError);
    expect(error!.message).toContain('"token_type" is "mac\\n\\u001b[31mforged"');
    for (const text of [error!.message, ...app.logger.lines]) expect(text).not.toMatch(RAW_CONTROL);
  });
});
