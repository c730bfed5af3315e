import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { Test, type TestingModule } from '@nestjs/testing';
import { SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { BasicTracerProvider, InMemorySpanExporter, type ReadableSpan, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { getTokenManagerToken, type TokenManagerService, TokenModule, type TokenModuleOptions } from '../../lib/index.js';
import { TOKEN_SPANS, TokenTracingModule } from '../../lib/otel/index.js';
import { serverError, unavailable } from '../support/idp-faults.js';
import { ManualClock } from '../support/manual-clock.js';
import { json, ProgrammableServer } from '../support/programmable-server.js';
import { TestIdp } from '../support/test-idp.js';

const CLIENT = { clientId: 'traced-client', clientSecret: 'traced-secret-value-7731' };
const BASIC = Buffer.from(`${CLIENT.clientId}:${CLIENT.clientSecret}`).toString('base64');
const NAME = 'billing';
const SESSION_CODE = 'single-use-session-code-90f1';

describe('OpenTelemetry traces of the token lifecycle', () => {
  let idp: TestIdp;
  let dpopIdp: TestIdp;
  let moduleRef: TestingModule | undefined;
  let exporter: InMemorySpanExporter;
  let provider: BasicTracerProvider;
  const tokens: string[] = [];

  beforeAll(async () => {
    [idp, dpopIdp] = await Promise.all([
      TestIdp.start({ clients: [CLIENT] }),
      TestIdp.start({ clients: [{ ...CLIENT, dpopBound: true }], dpop: { requireNonce: true } }),
    ]);
  });
  afterEach(async () => {
    await moduleRef?.close();
    moduleRef = undefined;
    trace.disable();
    await provider.shutdown();
    idp.faults.length = 0;
  });
  afterAll(async () => {
    await Promise.all([idp.stop(), dpopIdp.stop()]);
  });

  /** An app tracing through the global provider (registered first, as an SDK is), with the client `billing`. */
  async function start(options: Partial<TokenModuleOptions> = {}, traced = true): Promise<TokenManagerService> {
    exporter = new InMemorySpanExporter();
    provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
    trace.setGlobalTracerProvider(provider);
    moduleRef = await Test.createTestingModule({
      imports: [
        ...(traced ? [TokenTracingModule] : []),
        TokenModule.forRoot({
          name: NAME,
          tokenUrl: idp.tokenUrl,
          ...CLIENT,
          retry: { initialDelayMs: 1 },
          ...options,
        }),
      ],
    }).compile();
    moduleRef.useLogger(false);
    await moduleRef.init();
    return moduleRef.get<TokenManagerService>(getTokenManagerToken(NAME));
  }

  const spans = (name: string): ReadableSpan[] => exporter.getFinishedSpans().filter((span) => span.name === name);

  /** No secret, token or credential in any name, attribute, event, status or link of any exported span. */
  function leakScan(): void {
    const exported = JSON.stringify(
      exporter.getFinishedSpans().map((span) => ({
        name: span.name,
        attributes: span.attributes,
        events: span.events.map((event) => ({ name: event.name, attributes: event.attributes })),
        status: span.status,
        links: span.links.map((link) => link.attributes ?? {}),
      })),
    );
    for (const secret of [CLIENT.clientSecret, BASIC, SESSION_CODE, ...tokens]) expect(exported).not.toContain(secret);
    expect(exported).not.toMatch(/eyJ[\w-]+\.[\w-]+/);
  }

  it('a cold start with 100 callers: one token-request span, and 100 wait spans linked to it', async () => {
    const manager = await start();
    const before = idp.tokenRequests;
    const answers = await Promise.all(Array.from({ length: 100 }, () => manager.getAccessToken()));
    tokens.push(answers[0]);
    expect(idp.tokenRequests - before).toBe(1);

    const [request, ...others] = spans(TOKEN_SPANS.tokenRequest);
    expect(others).toEqual([]);
    expect(request.kind).toBe(SpanKind.CLIENT);
    expect(request.attributes).toEqual({
      'server.address': '127.0.0.1',
      'server.port': Number(new URL(idp.tokenUrl).port),
      'url.path': '/token',
      'oauth2.grant_type': 'client_credentials',
      'oauth2.client.name': NAME,
      'token.entry': 'default',
      'oauth2.outcome': 'success',
      'http.response.status_code': 200,
    });
    expect(request.events).toEqual([]);
    const waits = spans(TOKEN_SPANS.tokenWait);
    expect(waits).toHaveLength(100);
    for (const wait of waits) {
      expect(wait.links.map((link) => link.context.spanId)).toEqual([request.spanContext().spanId]);
      expect(wait.attributes).toEqual({ 'oauth2.client.name': NAME, 'oauth2.outcome': 'success' });
    }

    // Served from the cache: no span at all.
    const exported = exporter.getFinishedSpans().length;
    await manager.getAccessToken();
    expect(exporter.getFinishedSpans()).toHaveLength(exported);
    leakScan();
  });

  it('a token for per-call parameters: its span names the entry by id and resource origin, never by a parameter', async () => {
    const manager = await start();
    const parameters = { resource: 'https://orders.example.test/', extraParams: { tenant: 'tenant-span-private-41' } };
    tokens.push(await manager.getAccessToken(parameters));
    const entry = manager.getTokenEntry(parameters)!.entry;
    expect(entry.id).toMatch(/^[0-9a-f]{12}$/);
    expect(spans(TOKEN_SPANS.tokenRequest).map((span) => span.attributes)).toEqual([
      expect.objectContaining({
        'token.entry': entry.id,
        'token.resource_origin': 'https://orders.example.test',
        'oauth2.outcome': 'success',
      }),
    ]);
    expect(JSON.stringify(exporter.getFinishedSpans().map((span) => span.attributes))).not.toContain('tenant-span-private-41');
    leakScan();
  });

  it('a refresh retried after a 503: one span, the retry as an event with its error class, the final status 200', async () => {
    idp.faults.push(unavailable());
    const manager = await start();
    tokens.push(await manager.getAccessToken());
    const [request] = spans(TOKEN_SPANS.tokenRequest);
    expect(spans(TOKEN_SPANS.tokenRequest)).toHaveLength(1);
    expect(request.attributes).toMatchObject({ 'oauth2.outcome': 'success', 'http.response.status_code': 200 });
    expect(request.events.map((event) => ({ name: event.name, attributes: event.attributes }))).toEqual([
      { name: 'retry', attributes: { 'retry.number': 1, 'retry.delay_ms': expect.any(Number), 'error.type': 'TokenEndpointError' } },
    ]);
    leakScan();
  });

  it('a refresh that fails for good: an ERROR span with the error class and the last HTTP status; the waits fail too', async () => {
    idp.faults.push(serverError(), serverError());
    const manager = await start({ retry: { maxAttempts: 2, initialDelayMs: 1 } });
    await expect(manager.getAccessToken()).rejects.toThrow('HTTP 500');
    const [request] = spans(TOKEN_SPANS.tokenRequest);
    expect(request.status).toEqual({ code: SpanStatusCode.ERROR, message: 'TokenEndpointError' });
    expect(request.attributes).toMatchObject({
      'oauth2.outcome': 'failure',
      'error.type': 'TokenEndpointError',
      'http.response.status_code': 500,
    });
    expect(request.events.map((event) => event.name)).toEqual(['retry']);
    const [wait] = spans(TOKEN_SPANS.tokenWait);
    expect(wait.status.code).toBe(SpanStatusCode.ERROR);
    expect(wait.attributes).toMatchObject({ 'oauth2.outcome': 'failure', 'error.type': 'TokenEndpointError' });
    leakScan();
  });

  it('DPoP: the resend with the server’s nonce is an event of the token-request span', async () => {
    const manager = await start({ tokenUrl: dpopIdp.tokenUrl, dpop: true });
    tokens.push(await manager.getAccessToken());
    const [request] = spans(TOKEN_SPANS.tokenRequest);
    expect(request.events.map((event) => event.name)).toEqual(['dpop_nonce_resend']);
    expect(request.attributes).toMatchObject({ 'oauth2.outcome': 'success', 'http.response.status_code': 200 });
    leakScan();
  });

  it('introspection in the stable window and revocation at shutdown each get their span', async () => {
    // oidc-provider introspects its opaque tokens, not the JWTs it issues for a resource.
    const opaqueIdp = await TestIdp.start({ clients: [CLIENT], format: 'opaque' });
    try {
      const clock = new ManualClock();
      const manager = await start({
        tokenUrl: opaqueIdp.tokenUrl,
        clock: clock.now,
        introspectionUrl: opaqueIdp.introspectionUrl,
        revocationUrl: opaqueIdp.revocationUrl,
        stableAfterSeconds: 60,
        revokeOnShutdown: true,
      });
      tokens.push(await manager.getAccessToken());
      await manager.getAccessToken();
      await moduleRef!.close();
      moduleRef = undefined;
      expect(spans(TOKEN_SPANS.introspection).map((span) => span.attributes)).toEqual([
        expect.objectContaining({ 'url.path': '/token/introspection', 'oauth2.outcome': 'success', 'http.response.status_code': 200 }),
      ]);
      expect(spans(TOKEN_SPANS.tokenRequest).map((span) => span.attributes['oauth2.outcome'])).toEqual(['success', 'verified']);
      expect(spans(TOKEN_SPANS.revocation).map((span) => span.attributes)).toEqual([
        expect.objectContaining({ 'url.path': '/token/revocation', 'oauth2.outcome': 'success', 'http.response.status_code': 200 }),
      ]);
      leakScan();
    } finally {
      await opaqueIdp.stop();
    }
  });

  it('session exchange: its own span, and the token request it needs; the code and both tokens appear nowhere', async () => {
    const exchange = await ProgrammableServer.start((_, response) =>
      json(response, 200, { access_token: 'session-token-value-3310', expires_in: 600 }),
    );
    try {
      const manager = await start({ sessionExchange: { url: `${exchange.url}/sessions/exchange`, code: SESSION_CODE } });
      tokens.push(await manager.getAccessToken(), 'session-token-value-3310');
      expect(exchange.requests).toHaveLength(1);
      expect(spans(TOKEN_SPANS.sessionExchange).map((span) => span.attributes)).toEqual([
        expect.objectContaining({ 'url.path': '/sessions/exchange', 'oauth2.outcome': 'success', 'http.response.status_code': 200 }),
      ]);
      expect(spans(TOKEN_SPANS.tokenRequest).map((span) => span.attributes['oauth2.outcome'])).toEqual(['success']);
      leakScan();
    } finally {
      await exchange.stop();
    }
  });

  it('discovery at startup gets its span', async () => {
    const manager = await start({ tokenUrl: undefined, issuer: idp.issuer });
    tokens.push(await manager.getAccessToken());
    expect(spans(TOKEN_SPANS.discovery).map((span) => span.attributes)).toEqual([
      expect.objectContaining({ 'url.path': '/.well-known/openid-configuration', 'oauth2.outcome': 'success' }),
    ]);
    leakScan();
  });

  it('without TokenTracingModule nothing is traced, even with an SDK registered', async () => {
    const manager = await start({}, false);
    tokens.push(await manager.getAccessToken());
    expect(exporter.getFinishedSpans()).toEqual([]);
  });
});
