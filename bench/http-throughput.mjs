// Requests per second through the authorized clients, each against the same client with a static
// Authorization header instead of this module: same run, same local keep-alive server, balanced
// rounds, medians. Targets: the module's HttpService at least 0.97× @nestjs/axios's HttpService;
// attachTokenInterceptor on a bare axios instance at least 0.97× bare axios; createAuthorizedFetch at
// least 0.97× fetch.
import { HttpService } from '@nestjs/axios';
import { NestFactory } from '@nestjs/core';
import axios from 'axios';
import { Agent } from 'node:http';
import { firstValueFrom } from 'rxjs';
import { attachTokenInterceptor, createAuthorizedFetch, TokenManagerService, TokenModule } from '../dist/esm/index.js';
import { balancedRounds, startApiServer, startTokenServer, summarizeRounds } from './support.mjs';

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
  const agents = [new Agent(agentOptions), new Agent(agentOptions), new Agent(agentOptions), new Agent(agentOptions)];
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
  const intercepted = axios.create({ baseURL: api.url, httpAgent: agents[3] });
  attachTokenInterceptor(intercepted, app.get(TokenManagerService));
  const authorizedFetch = createAuthorizedFetch(app.get(TokenManagerService), { baseURL: api.url });
  /** Reads the body, as a caller does, so the connection goes back to the pool. */
  const fetchItems = async (send, init) => {
    const response = await send(`${api.url}/items`, init);
    await response.arrayBuffer();
    return response;
  };

  const subjects = {
    /** Bare axios with a static header: the reference of the interceptor. */
    plainAxios: () => plain.get('/items'),
    /** @nestjs/axios's own HttpService with a static header: the reference of the module's HttpService. */
    nestHttpService: () => firstValueFrom(nestHttp.get('/items')),
    /** The module's HttpService, as users call it. */
    httpService: () => firstValueFrom(http.get('/items')),
    /** attachTokenInterceptor on a bare axios instance of the caller's. */
    interceptor: () => intercepted.get('/items'),
    /** The module's axios instance without the HttpService wrapper. */
    axiosRef: () => http.axiosRef.get('/items'),
    /** The global fetch with a static header: the reference of the authorized fetch. */
    plainFetch: () => fetchItems(fetch, { headers: staticHeader }),
    /** createAuthorizedFetch over the global fetch. */
    authorizedFetch: () => fetchItems(authorizedFetch),
  };
  /** What each subject is measured against (itself for the references). */
  const references = {
    plainAxios: 'plainAxios',
    nestHttpService: 'nestHttpService',
    httpService: 'nestHttpService',
    interceptor: 'plainAxios',
    axiosRef: 'plainAxios',
    plainFetch: 'plainFetch',
    authorizedFetch: 'plainFetch',
  };
  const runs = await balancedRounds(subjects, { total, concurrency, rounds });
  await app.close();
  for (const agent of agents) agent.destroy();
  await api.close();
  await idp.close();

  const { wall, cpu } = summarizeRounds(runs, references);
  return {
    wall,
    cpu,
    ratio: wall.httpService.ratio,
    interceptorRatio: wall.interceptor.ratio,
    fetchRatio: wall.authorizedFetch.ratio,
    tokenRequests: idp.requests,
    apiRequests: api.requests,
  };
}

export function httpThroughputMarkdown(result) {
  const fixed = (n, digits) => n.toFixed(digits);
  return [
    '## Authorized HTTP throughput',
    '',
    'Each client against its reference, the same client with a static `Authorization` header instead of this module: ' +
      'same local keep-alive server, balanced rounds of 2,000 requests, each after a full garbage collection; medians, ' +
      'ratio = median of per-round ratios to the reference; by wall clock and per CPU-second of the process.',
    '',
    '| client | reference | req/s | × reference | req per CPU-second | × reference (CPU) |',
    '| --- | --- | ---: | ---: | ---: | ---: |',
    ...Object.keys(result.wall).map(
      (name) =>
        `| ${name} | ${result.wall[name].reference} | ${fixed(result.wall[name].rps, 0)} | ${fixed(result.wall[name].ratio, 3)} | ${fixed(result.cpu[name].rps, 0)} | ${fixed(result.cpu[name].ratio, 3)} |`,
    ),
    '',
    `Targets: httpService ≥ 0.97× nestHttpService (${fixed(result.ratio, 3)}×), interceptor ≥ 0.97× plainAxios (${fixed(result.interceptorRatio, 3)}×), authorizedFetch ≥ 0.97× plainFetch (${fixed(result.fetchRatio, 3)}×). Token requests: ${result.tokenRequests}.`,
  ].join('\n');
}

if (import.meta.url === `file://${process.argv[1]}`) console.log(httpThroughputMarkdown(await benchHttpThroughput()));
