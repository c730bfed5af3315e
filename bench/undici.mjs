// Requests per second through undici with the token interceptor, against `undici.request` with a static
// `Authorization` header: same run, same local keep-alive server, balanced rounds, medians.
// Target: ratio (interceptor / static header) at least 0.97.
import { NestFactory } from '@nestjs/core';
import { Agent, request } from 'undici';
import { TokenManagerService, TokenModule } from '../dist/esm/index.js';
import { createUndiciTokenInterceptor } from '../dist/esm/undici/index.js';
import { balancedRounds, median, startApiServer, startTokenServer, summarizeRounds } from './support.mjs';

const STATIC_AUTHORIZATION = 'Bearer static-benchmark-token';

/** Any interceptor's own cost: one that adds the static header to a copy of the options, as ours adds the token. */
const staticHeaderInterceptor = (dispatch) => (options, handler) =>
  dispatch({ ...options, headers: { ...options.headers, authorization: STATIC_AUTHORIZATION } }, handler);

/**
 * Every subject runs once per round, the order rotating and every other round reversed; each window
 * starts after a full garbage collection. A ratio is the median of the per-round ratios of a subject
 * to `staticHeader`, robust to load drifting during the run. Each subject has its own Agent.
 */
export async function benchUndici({ total = 2000, concurrency = 16, rounds = 16 } = {}) {
  const idp = await startTokenServer();
  const api = await startApiServer();
  const app = await NestFactory.createApplicationContext(
    TokenModule.forRoot({ tokenUrl: idp.url, clientId: 'bench', clientSecret: 'bench-secret' }),
    { logger: false },
  );
  const tokens = app.get(TokenManagerService);
  const agents = Array.from({ length: 3 }, () => new Agent({ connections: concurrency }));
  const dispatchers = {
    staticHeader: agents[0],
    staticInterceptor: agents[1].compose(staticHeaderInterceptor),
    interceptor: agents[2].compose(createUndiciTokenInterceptor(tokens, { allowedOrigins: [api.url] })),
  };
  const url = `${api.url}/items`;
  /** Reads the body, as a caller does, so the connection goes back to the pool. */
  const send = async (dispatcher, headers) => {
    const response = await request(url, { dispatcher, headers });
    await response.body.arrayBuffer();
  };
  const staticHeaders = { authorization: STATIC_AUTHORIZATION };
  const subjects = {
    staticHeader: () => send(dispatchers.staticHeader, staticHeaders),
    staticInterceptor: () => send(dispatchers.staticInterceptor),
    interceptor: () => send(dispatchers.interceptor),
  };
  const runs = await balancedRounds(subjects, { total, concurrency, rounds });
  await app.close();
  await Promise.all(agents.map((agent) => agent.close()));
  await api.close();
  await idp.close();

  const { wall, cpu } = summarizeRounds(runs, {
    staticHeader: 'staticHeader',
    staticInterceptor: 'staticHeader',
    interceptor: 'staticHeader',
  });
  const overStaticInterceptor = median(runs.interceptor.map((run, round) => run.wall / runs.staticInterceptor[round].wall));
  return { overStaticInterceptor, wall, cpu, tokenRequests: idp.requests, apiRequests: api.requests };
}

export function undiciMarkdown(result) {
  const fixed = (n, digits) => n.toFixed(digits);
  return [
    '## undici requests with the token interceptor',
    '',
    'Against `undici.request` with a static `Authorization` header, same local keep-alive server, balanced rounds of ' +
      '2,000 requests (16 in flight), each after a full garbage collection; medians, ratio = median of per-round ratios ' +
      'to staticHeader; by wall clock and per CPU-second of the process.',
    '',
    '| client | req/s | × staticHeader | req per CPU-second | × staticHeader (CPU) |',
    '| --- | ---: | ---: | ---: | ---: |',
    ...Object.keys(result.wall).map(
      (name) =>
        `| ${name} | ${fixed(result.wall[name].rps, 0)} | ${fixed(result.wall[name].ratio, 3)} | ${fixed(result.cpu[name].rps, 0)} | ${fixed(result.cpu[name].ratio, 3)} |`,
    ),
    '',
    `Target: interceptor ≥ 0.97× staticHeader (${fixed(result.wall.interceptor.ratio, 3)}×). staticInterceptor adds the ` +
      `static header through an interceptor of its own: what any undici interceptor costs; interceptor over ` +
      `staticInterceptor (same rounds): ${fixed(result.overStaticInterceptor, 3)}×. Token requests: ${result.tokenRequests}.`,
  ].join('\n');
}

if (import.meta.url === `file://${process.argv[1]}`) console.log(undiciMarkdown(await benchUndici()));
