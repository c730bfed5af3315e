// Requests per second through the authorized HttpService against plain axios with a static
// Authorization header: same run, same local keep-alive server, alternating rounds, medians.
// Target: ratio (authorized / plain) at least 0.97.
import { HttpService } from '@nestjs/axios';
import { NestFactory } from '@nestjs/core';
import axios from 'axios';
import { Agent } from 'node:http';
import { firstValueFrom } from 'rxjs';
import { TokenModule } from '../dist/esm/index.js';
import { median, requestsPerSecond, startApiServer, startTokenServer } from './support.mjs';

/**
 * Runs every subject once per round (rotating the order) and takes, per round, each subject's rate over
 * the plain-axios rate of the same round; the medians of those ratios are robust to load that drifts
 * during the run (other processes on a shared machine).
 */
export async function benchHttpThroughput({ total = 400, concurrency = 16, rounds = 31 } = {}) {
  const idp = await startTokenServer();
  const api = await startApiServer();
  const agentOptions = { keepAlive: true, maxSockets: concurrency };
  const agents = [new Agent(agentOptions), new Agent(agentOptions)];
  const app = await NestFactory.createApplicationContext(
    TokenModule.forRoot({ tokenUrl: idp.url, clientId: 'bench', clientSecret: 'bench-secret', http: { baseURL: api.url, httpAgent: agents[0] } }),
    { logger: false },
  );
  const http = app.get(HttpService);
  const plain = axios.create({ baseURL: api.url, httpAgent: agents[1], headers: { Authorization: 'Bearer static-benchmark-token' } });

  const subjects = {
    /** The baseline the issue names. */
    plainAxios: () => plain.get('/items'),
    /** The subject: the module's HttpService, as users call it. */
    httpService: () => firstValueFrom(http.get('/items')),
    /** The module's axios instance without the HttpService wrapper: the interceptor's own cost. */
    axiosRef: () => http.axiosRef.get('/items'),
  };
  const names = Object.keys(subjects);
  const runs = Object.fromEntries(names.map((name) => [name, []]));
  for (const send of Object.values(subjects)) await requestsPerSecond(send, { total, concurrency });
  for (let round = 0; round < rounds; round += 1) {
    for (let index = 0; index < names.length; index += 1) {
      const name = names[(index + round) % names.length];
      runs[name].push(await requestsPerSecond(subjects[name], { total, concurrency }));
    }
  }
  await app.close();
  for (const agent of agents) agent.destroy();
  await api.close();
  await idp.close();

  const summary = (kind) =>
    Object.fromEntries(
      names.map((name) => [
        name,
        { rps: median(runs[name].map((run) => run[kind])), ratio: median(runs[name].map((run, round) => run[kind] / runs.plainAxios[round][kind])) },
      ]),
    );
  return { wall: summary('wall'), cpu: summary('cpu'), ratio: summary('wall').httpService.ratio, tokenRequests: idp.requests, apiRequests: api.requests };
}

/** The result as Markdown; `node bench/http-throughput.mjs` prints it on its own. */
export function httpThroughputMarkdown(result) {
  const fixed = (n, digits) => n.toFixed(digits);
  return [
    '## Authorized HTTP throughput',
    '',
    'Against plain axios with a static `Authorization` header, same local keep-alive server, alternating rounds; ' +
      'medians, ratio = median of per-round ratios to plain axios; by wall clock and per CPU-second of the process.',
    '',
    '| client | req/s | × plain axios | req per CPU-second | × plain axios (CPU) |',
    '| --- | ---: | ---: | ---: | ---: |',
    ...Object.keys(result.wall).map(
      (name) => `| ${name} | ${fixed(result.wall[name].rps, 0)} | ${fixed(result.wall[name].ratio, 3)} | ${fixed(result.cpu[name].rps, 0)} | ${fixed(result.cpu[name].ratio, 3)} |`,
    ),
    '',
    `Target: httpService ≥ 0.97× plain axios. Token requests: ${result.tokenRequests}.`,
  ].join('\n');
}

if (import.meta.url === `file://${process.argv[1]}`) console.log(httpThroughputMarkdown(await benchHttpThroughput()));
