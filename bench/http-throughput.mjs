// Requests per second through the authorized HttpService against plain axios with a static
// Authorization header: same run, same local keep-alive server, balanced rounds, medians.
// Target: ratio (authorized / plain) at least 0.97.
import { HttpService } from '@nestjs/axios';
import { NestFactory } from '@nestjs/core';
import axios from 'axios';
import { Agent } from 'node:http';
import { firstValueFrom } from 'rxjs';
import { TokenModule } from '../dist/esm/index.js';
import { balancedRounds, median, startApiServer, startTokenServer } from './support.mjs';

/**
 * Runs every subject once per round and takes, per round, each subject's rate over the plain-axios
 * rate of the same round; the medians of those ratios are robust to load that drifts during the run
 * (other processes on a shared machine). Rounds rotate the order and every other round reverses it,
 * so each subject follows each other one equally often. Each window starts after a full garbage
 * collection and is long enough (2,000 requests) for the subject to pay for its own garbage.
 */
export async function benchHttpThroughput({ total = 2000, concurrency = 16, rounds = 16 } = {}) {
  const idp = await startTokenServer();
  const api = await startApiServer();
  const agentOptions = { keepAlive: true, maxSockets: concurrency };
  const agents = [new Agent(agentOptions), new Agent(agentOptions), new Agent(agentOptions)];
  const app = await NestFactory.createApplicationContext(
    TokenModule.forRoot({
      tokenUrl: idp.url,
      clientId: 'bench',
      clientSecret: 'bench-secret',
      http: { baseURL: api.url, httpAgent: agents[0] },
    }),
    { logger: false },
  );
  const http = app.get(HttpService);
  const staticHeader = { Authorization: 'Bearer static-benchmark-token' };
  const plain = axios.create({ baseURL: api.url, httpAgent: agents[1], headers: staticHeader });
  const nestHttp = new HttpService(axios.create({ baseURL: api.url, httpAgent: agents[2], headers: staticHeader }));

  const subjects = {
    /** The baseline the issue names. */
    plainAxios: () => plain.get('/items'),
    /** The subject: the module's HttpService, as users call it. */
    httpService: () => firstValueFrom(http.get('/items')),
    /** The module's axios instance without the HttpService wrapper: the interceptor's own cost. */
    axiosRef: () => http.axiosRef.get('/items'),
    /** @nestjs/axios's own HttpService with a static header: what the Observable wrapper costs without this module. */
    nestHttpService: () => firstValueFrom(nestHttp.get('/items')),
  };
  const names = Object.keys(subjects);
  const runs = await balancedRounds(subjects, { total, concurrency, rounds });
  await app.close();
  for (const agent of agents) agent.destroy();
  await api.close();
  await idp.close();

  const summary = (kind) =>
    Object.fromEntries(
      names.map((name) => [
        name,
        {
          rps: median(runs[name].map((run) => run[kind])),
          ratio: median(runs[name].map((run, round) => run[kind] / runs.plainAxios[round][kind])),
        },
      ]),
    );
  const overNest = median(runs.httpService.map((run, round) => run.wall / runs.nestHttpService[round].wall));
  return {
    wall: summary('wall'),
    cpu: summary('cpu'),
    ratio: summary('wall').httpService.ratio,
    overNest,
    tokenRequests: idp.requests,
    apiRequests: api.requests,
  };
}

export function httpThroughputMarkdown(result) {
  const fixed = (n, digits) => n.toFixed(digits);
  return [
    '## Authorized HTTP throughput',
    '',
    'Against plain axios with a static `Authorization` header, same local keep-alive server, balanced rounds of ' +
      '2,000 requests, each after a full garbage collection; medians, ratio = median of per-round ratios to plain axios; ' +
      'by wall clock and per CPU-second of the process.',
    '',
    '| client | req/s | × plain axios | req per CPU-second | × plain axios (CPU) |',
    '| --- | ---: | ---: | ---: | ---: |',
    ...Object.keys(result.wall).map(
      (name) =>
        `| ${name} | ${fixed(result.wall[name].rps, 0)} | ${fixed(result.wall[name].ratio, 3)} | ${fixed(result.cpu[name].rps, 0)} | ${fixed(result.cpu[name].ratio, 3)} |`,
    ),
    '',
    `Target: httpService ≥ 0.97× plain axios. httpService over nestHttpService (same rounds): ${fixed(result.overNest, 3)}×. Token requests: ${result.tokenRequests}.`,
  ].join('\n');
}

if (import.meta.url === `file://${process.argv[1]}`) console.log(httpThroughputMarkdown(await benchHttpThroughput()));
