import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { Test, type TestingModule } from '@nestjs/testing';
import { MeterProvider, MetricReader } from '@opentelemetry/sdk-metrics';
import type { ServerResponse } from 'node:http';
import { TokenManagerService, TokenModule, type TokenModuleOptions } from '../lib/index.js';
import { TOKEN_METER, TOKEN_METRICS, TokenMetricsService } from '../lib/otel/index.js';
import { CapturingLogger } from './support/capturing-logger.js';
import { ManualClock } from './support/manual-clock.js';
import { ProgrammableServer } from './support/programmable-server.js';
import { TestIdp } from './support/test-idp.js';

const CLIENT = { clientId: 'skew-client', clientSecret: 'skew-secret-value-5512' };
const TEN_MINUTES_MS = 10 * 60 * 1000;
/** The estimate's error: the `Date` header's and `iat`'s one-second resolution plus half a loopback round trip. */
const RESOLUTION_MS = 2000;

class CollectingReader extends MetricReader {
  protected async onShutdown(): Promise<void> {}
  protected async onForceFlush(): Promise<void> {}
}

/** A token answer from a server whose `Date` header is `shiftMs` off real time (none when `date` is false). */
function answerWithShiftedDate(
  response: ServerResponse,
  shiftMs: number,
  date: string | false = new Date(Date.now() + shiftMs).toUTCString(),
) {
  response.sendDate = false;
  response.writeHead(200, { 'content-type': 'application/json', ...(date === false ? {} : { date }) });
  response.end(JSON.stringify({ access_token: 'opaque-token-value-8842', token_type: 'Bearer', expires_in: 60 }));
}

describe('clock skew: the token server’s clock offset is estimated, reported, and never lengthens a token’s life', () => {
  let idp: TestIdp;
  let server: ProgrammableServer;
  let shiftMs = 0;
  let date: string | false | undefined;
  let moduleRef: TestingModule | undefined;
  let meters: MeterProvider | undefined;

  beforeAll(async () => {
    idp = await TestIdp.start({ clients: [CLIENT], ttlSeconds: 60 });
    server = await ProgrammableServer.start((_, response) => answerWithShiftedDate(response, shiftMs, date));
  });
  afterEach(async () => {
    await moduleRef?.close();
    moduleRef = undefined;
    await meters?.shutdown();
    meters = undefined;
    date = undefined;
  });
  afterAll(async () => {
    await Promise.all([idp.stop(), server.stop()]);
  });

  async function start(options: Partial<TokenModuleOptions> & { clock: () => number }) {
    const logger = new CapturingLogger();
    const reader = new CollectingReader();
    meters = new MeterProvider({ readers: [reader] });
    moduleRef = await Test.createTestingModule({
      imports: [TokenModule.forRoot({ tokenUrl: idp.tokenUrl, ...CLIENT, ...options })],
      providers: [TokenMetricsService, { provide: TOKEN_METER, useValue: meters.getMeter('test') }],
    })
      .setLogger(logger)
      .compile();
    moduleRef.useLogger(logger);
    await moduleRef.init();
    const gauge = async () => {
      const { resourceMetrics } = await reader.collect();
      const metric = resourceMetrics.scopeMetrics
        .flatMap((scope) => scope.metrics)
        .find((m) => m.descriptor.name === TOKEN_METRICS.serverClockOffset);
      return metric?.dataPoints.map((point) => point.value as number) ?? [];
    };
    const warnings = () => logger.lines.filter((line) => line.startsWith('warn') && line.includes("token server's clock"));
    return { manager: moduleRef.get(TokenManagerService), gauge, warnings };
  }

  it('oidc-provider 10 minutes ahead of this host: the JWT’s iat gives the offset in getTokenInfo() and the metric, one warning, expiry unchanged', async () => {
    // This host's clock runs 10 minutes behind the IdP's (real time).
    const { manager, gauge, warnings } = await start({ clock: () => Date.now() - TEN_MINUTES_MS });
    await manager.getAccessToken();
    const info = manager.getTokenInfo()!;
    expect(Math.abs(info.serverClockOffsetMs! - TEN_MINUTES_MS)).toBeLessThanOrEqual(RESOLUTION_MS);
    expect(info.expiresAt.getTime() - info.obtainedAt.getTime()).toBe(60_000);
    const [observed] = await gauge();
    expect(Math.abs(observed - TEN_MINUTES_MS / 1000)).toBeLessThanOrEqual(RESOLUTION_MS / 1000);

    manager.invalidate();
    await manager.getAccessToken();
    expect(warnings()).toEqual([expect.stringMatching(/^warn The token server's clock is about (599|600|601) s ahead of this host's/)]);
  });

  it('a server 45 s behind, opaque token: the Date header gives the offset; expiry is expires_in from the send time, not from the server’s clock', async () => {
    shiftMs = -45_000;
    const clock = new ManualClock(Date.now());
    const { manager, warnings } = await start({ tokenUrl: `${server.url}/token`, clock: clock.now });
    await manager.getAccessToken();
    const info = manager.getTokenInfo()!;
    expect(Math.abs(info.serverClockOffsetMs! + 45_000)).toBeLessThanOrEqual(RESOLUTION_MS);
    expect(info.obtainedAt.getTime()).toBe(clock.nowMs);
    expect(info.expiresAt.getTime()).toBe(clock.nowMs + 60_000);
    expect(warnings()).toEqual([expect.stringContaining('s behind this host')]);
  });

  it('a skew within the margin is reported without a warning', async () => {
    shiftMs = 5_000;
    const { manager, warnings } = await start({ tokenUrl: `${server.url}/token`, clock: Date.now });
    await manager.getAccessToken();
    expect(Math.abs(manager.getTokenInfo()!.serverClockOffsetMs! - 5_000)).toBeLessThanOrEqual(RESOLUTION_MS);
    expect(warnings()).toEqual([]);
  });

  it.each([
    ['no Date header', false as const],
    ['an unreadable Date header', 'yesterday-ish'],
  ])('an answer with %s and an opaque token: no estimate, no metric point, no warning', async (_, header) => {
    date = header;
    const { manager, gauge, warnings } = await start({ tokenUrl: `${server.url}/token`, clock: Date.now });
    await manager.getAccessToken();
    expect(manager.getTokenInfo()!.serverClockOffsetMs).toBeUndefined();
    expect(await gauge()).toEqual([]);
    expect(warnings()).toEqual([]);
  });
});
