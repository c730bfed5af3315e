import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { Test } from '@nestjs/testing';
import { inspect } from 'node:util';
import {
  TokenEndpointError,
  TokenManagerService,
  TokenModule,
  type TokenModuleOptions,
  TokenResponseError,
  TokenTimeoutError,
} from '../lib/index.js';
import { RESOLVED_TOKEN_OPTIONS, TOKEN_ENDPOINT_CLIENT } from '../lib/core/injection-tokens.js';
import { CapturingLogger, renderErrorDeeply } from './support/capturing-logger.js';
import { badGatewayHtml, serverError, tooManyRequests, truncatedJson, unavailable } from './support/idp-faults.js';
import { ManualClock } from './support/manual-clock.js';
import { json, ProgrammableServer } from './support/programmable-server.js';
import { TestIdp } from './support/test-idp.js';

const CLIENT_ID = 'fault-client';
const CLIENT_SECRET = 'fault-secret-Zq8:%/+x7Lm';
/** What `client_secret_basic` sends: base64 of the form-urlencoded id and secret. */
const BASIC_CREDENTIALS = Buffer.from(`${CLIENT_ID}:${encodeURIComponent(CLIENT_SECRET)}`).toString('base64');
const TRUNCATED_TOKEN_FRAGMENT = 'eyJhbGciOiJSUzI1NiJ9.trunc';
/** Bound of every caller's wait in this suite: a caller still pending after it counts as hung. */
const HANG_BOUND_MS = 5_000;
const CALLERS = 25;

/** Figures of the whole suite, printed at the end and quoted in test/README.md. */
const figures = { faultKinds: new Set<string>(), tokenRequests: 0, callers: 0, callersHung: 0, callersFailed: 0 };
/** Everything the suite could leak through: log lines, errors, events, inspected module objects. */
const exposed: string[] = [];
const issuedTokens = new Set<string>();
const logger = new CapturingLogger();

type Settled = { status: 'fulfilled'; value: string } | { status: 'rejected'; reason: unknown } | { status: 'hung' };

/** Waits for every caller, but never longer than HANG_BOUND_MS; records figures and exposed text. */
async function settleAll(calls: Promise<string>[]): Promise<Settled[]> {
  const bound = new Promise<'hung'>((resolve) => setTimeout(() => resolve('hung'), HANG_BOUND_MS).unref());
  const results = await Promise.all(
    calls.map((call) =>
      Promise.race([
        call.then(
          (value): Settled => ({ status: 'fulfilled', value }),
          (reason: unknown): Settled => ({ status: 'rejected', reason }),
        ),
        bound,
      ]).then((result): Settled => (result === 'hung' ? { status: 'hung' } : result)),
    ),
  );
  figures.callers += results.length;
  for (const result of results) {
    if (result.status === 'hung') figures.callersHung += 1;
    if (result.status === 'rejected') {
      figures.callersFailed += 1;
      exposed.push(renderErrorDeeply(result.reason));
    }
    if (result.status === 'fulfilled') issuedTokens.add(result.value);
  }
  return results;
}

describe('fault injection: oidc-provider with fault middleware, and a programmable server', () => {
  let idp: TestIdp;
  let server: ProgrammableServer | undefined;
  let close: (() => Promise<void>) | undefined;

  beforeAll(async () => {
    idp = await TestIdp.start({ clients: [{ clientId: CLIENT_ID, clientSecret: CLIENT_SECRET }] });
  });
  afterEach(async () => {
    await close?.();
    close = undefined;
    figures.tokenRequests += idp.tokenRequests + (server?.requests.length ?? 0);
    idp.tokenRequests = 0;
    idp.delayMs = 0;
    idp.faults.length = 0;
    await server?.stop();
    server = undefined;
  });
  afterAll(async () => {
    await idp.stop();
    process.stdout.write(
      `fault-suite figures: ${JSON.stringify({ ...figures, faultKinds: [...figures.faultKinds] })}, log lines checked: ${logger.lines.length}, other texts checked: ${exposed.length}, tokens issued: ${issuedTokens.size}\n`,
    );
  });

  async function start(options: Partial<TokenModuleOptions> = {}): Promise<TokenManagerService> {
    const moduleRef = await Test.createTestingModule({
      imports: [
        TokenModule.forRoot({
          tokenUrl: idp.tokenUrl,
          clientId: CLIENT_ID,
          clientSecret: CLIENT_SECRET,
          retry: { initialDelayMs: 10, maxDelayMs: 50 },
          failureCooldownMs: 1000,
          ...options,
        }),
      ],
    })
      .setLogger(logger)
      .compile();
    moduleRef.useLogger(logger);
    await moduleRef.init();
    const manager = moduleRef.get(TokenManagerService);
    manager.events$.subscribe((event) => exposed.push(JSON.stringify(event), inspect(event)));
    close = async () => {
      exposed.push(
        inspect(manager, { depth: 10, showHidden: true }),
        JSON.stringify(manager),
        inspect(moduleRef.get(RESOLVED_TOKEN_OPTIONS), { depth: 10, showHidden: true }),
        JSON.stringify(moduleRef.get(RESOLVED_TOKEN_OPTIONS)),
        inspect(moduleRef.get(TOKEN_ENDPOINT_CLIENT), { depth: 10, showHidden: true }),
        String(manager.cacheKey),
      );
      await moduleRef.close();
    };
    return manager;
  }

  const burst = (manager: TokenManagerService) => Array.from({ length: CALLERS }, () => manager.getAccessToken());
  const fulfilled = (results: Settled[]) =>
    results.filter((result) => result.status === 'fulfilled').map((result) => (result as { value: string }).value);

  it('latency: a burst against an IdP answering after 300 ms makes one request and everyone gets the token', async () => {
    figures.faultKinds.add('latency');
    const manager = await start();
    idp.delayMs = 300;
    const results = await settleAll(burst(manager));
    expect(new Set(fulfilled(results)).size).toBe(1);
    expect(fulfilled(results)).toHaveLength(CALLERS);
    expect(idp.tokenRequests).toBe(1);
  });

  it.each([
    ['500 server_error', serverError],
    ['502 with an HTML page', badGatewayHtml],
    ['429 slow_down', () => tooManyRequests()],
    ['503 with Retry-After: 1', () => unavailable('1')],
  ])('%s is retried inside the one refresh: every caller gets the token, the IdP sees 2 requests', async (kind, fault) => {
    figures.faultKinds.add(kind);
    const manager = await start();
    idp.faults.push(fault());
    const results = await settleAll(burst(manager));
    expect(fulfilled(results)).toHaveLength(CALLERS);
    expect(new Set(fulfilled(results)).size).toBe(1);
    expect(idp.tokenRequests).toBe(2);
  });

  it('truncated JSON in a 200 is not retried: every caller gets one TokenResponseError naming the problem, without the body', async () => {
    figures.faultKinds.add('truncated JSON');
    const manager = await start();
    idp.faults.push(truncatedJson());
    const results = await settleAll(burst(manager));
    const reasons = new Set(results.map((result) => (result.status === 'rejected' ? result.reason : result.status)));
    expect(reasons.size).toBe(1);
    const [reason] = reasons;
    expect(reason).toBeInstanceOf(TokenResponseError);
    expect((reason as Error).message).toBe(`Malformed token response from POST ${idp.tokenUrl} (HTTP 200): body is not a JSON object`);
    expect(idp.tokenRequests).toBe(1);
  });

  it('a connection reset is retried: every caller gets the token from the second request', async () => {
    figures.faultKinds.add('connection reset');
    let answered = 0;
    server = await ProgrammableServer.start((_request, response) => {
      if (answered++ === 0) return void response.socket?.destroy();
      json(response, 200, { access_token: 'programmable-token-after-reset', token_type: 'Bearer', expires_in: 3600 });
    });
    const manager = await start({ tokenUrl: `${server.url}/token` });
    const results = await settleAll(burst(manager));
    expect(fulfilled(results)).toEqual(Array(CALLERS).fill('programmable-token-after-reset'));
    expect(server.requests).toHaveLength(2);
  });

  it('a server that never answers: each attempt times out, every caller gets one TokenTimeoutError, none hangs', async () => {
    figures.faultKinds.add('hang past timeout');
    server = await ProgrammableServer.start(() => undefined);
    const manager = await start({
      tokenUrl: `${server.url}/token`,
      requestTimeoutMs: 200,
      retry: { maxAttempts: 2, initialDelayMs: 10, maxDelayMs: 10 },
    });
    const results = await settleAll(burst(manager));
    const reasons = new Set(results.map((result) => (result.status === 'rejected' ? result.reason : result.status)));
    expect(reasons.size).toBe(1);
    expect([...reasons][0]).toBeInstanceOf(TokenTimeoutError);
    expect(server.requests).toHaveLength(2);
  });

  it('an outage of 5xx answers longer than the retries: every caller gets the last error; after the cooldown the next call succeeds', async () => {
    figures.faultKinds.add('sustained 5xx outage');
    const clock = new ManualClock();
    const manager = await start({ clock: clock.now, retry: { maxAttempts: 3, initialDelayMs: 10, maxDelayMs: 20 } });
    idp.faults.push(serverError(), badGatewayHtml(), unavailable(), serverError());
    const results = await settleAll(burst(manager));
    expect(
      results.every(
        (result) => result.status === 'rejected' && result.reason instanceof TokenEndpointError && result.reason.status === 503,
      ),
    ).toBe(true);
    expect(idp.tokenRequests).toBe(3);
    await settleAll(burst(manager));
    expect(idp.tokenRequests).toBe(3);
    clock.advanceMs(1000);
    idp.faults.length = 0;
    const recovered = await settleAll([manager.getAccessToken()]);
    expect(recovered[0].status).toBe('fulfilled');
  });

  it('a token expiring during a burst: callers before expiry get the old token, callers after it share the one refresh and get the new one', async () => {
    figures.faultKinds.add('token expiring during a burst');
    const clock = new ManualClock();
    const manager = await start({ clock: clock.now });
    const old = await manager.getAccessToken();
    const { expiresAt } = manager.getTokenInfo()!;
    idp.delayMs = 200;
    clock.nowMs = expiresAt.getTime() - 1000;
    const before = burst(manager);
    clock.nowMs = expiresAt.getTime();
    const after = burst(manager);
    const [beforeResults, afterResults] = [await settleAll(before), await settleAll(after)];
    expect(fulfilled(beforeResults)).toEqual(Array(CALLERS).fill(old));
    const fresh = fulfilled(afterResults);
    expect(fresh).toHaveLength(CALLERS);
    expect(new Set(fresh).size).toBe(1);
    expect(fresh[0]).not.toBe(old);
    expect(idp.tokenRequests).toBe(2);
  });

  describe('across the whole suite', () => {
    it('no caller hung', () => {
      expect(figures.callers).toBeGreaterThan(200);
      expect(figures.callersHung).toBe(0);
    });

    it('no log line, error (message, stack, cause chain), event or inspected module object contains the secret, the Basic credentials or an issued token', () => {
      expect(logger.lines.some((line) => line.includes('Token acquired'))).toBe(true);
      expect(logger.lines.some((line) => line.includes('Token refresh failed'))).toBe(true);
      expect(issuedTokens.size).toBeGreaterThan(5);
      const haystack = [...logger.lines, ...exposed];
      const forbidden = [CLIENT_SECRET, encodeURIComponent(CLIENT_SECRET), BASIC_CREDENTIALS, TRUNCATED_TOKEN_FRAGMENT, ...issuedTokens];
      const leaks = forbidden.flatMap((secret) =>
        haystack.filter((text) => text.includes(secret)).map((text) => `${secret.slice(0, 6)}… in: ${text.slice(0, 200)}`),
      );
      expect(leaks).toEqual([]);
    });
  });
});
