// This package against its peers, in one run, against the same two local servers: a token endpoint that
// counts requests and a keep-alive resource server that accepts only the tokens it issued and not
// revoked. Per library: cached token retrieval (ns/op against `await Promise.resolve(cached)`),
// authorized requests per second (against the bare transport), token requests for 1,000 concurrent
// cold callers, and a 401 storm (500 concurrent requests right after the cached token was revoked).
// Needs `npm run build` first; `node bench/peers.mjs` runs it alone and writes bench/results.md.
import { fileURLToPath } from 'node:url';
import { LIBRARIES, baselines } from './peer-clients.mjs';
import { startRun, writeResults } from './results.mjs';
import { median, nsPerOp, requestsPerSecond, startApiServer, startTokenServer } from './support.mjs';

/** Every token request takes this long, as a real IdP does: it is what lets concurrent callers pile up. */
const TOKEN_DELAY_MS = 25;
/** No phase of one library may take longer than this. */
const PHASE_DEADLINE_MS = 30_000;

/** Settles `count` concurrent calls of `task` and counts the outcomes; calls still pending at the deadline count as `pending`. */
async function settleAll(task, count) {
  const outcome = { ok: 0, failed: 0, pending: count };
  const settle = (ok) => {
    outcome.pending -= 1;
    if (ok) outcome.ok += 1;
    else outcome.failed += 1;
  };
  const calls = Array.from({ length: count }, () =>
    Promise.resolve()
      .then(task)
      .then(
        (value) => settle(value !== false),
        () => settle(false),
      ),
  );
  let timer;
  await Promise.race([Promise.all(calls), new Promise((resolve) => (timer = setTimeout(resolve, PHASE_DEADLINE_MS)))]);
  clearTimeout(timer);
  return { ...outcome };
}

/** Cached retrieval: per round the baseline, then every library (order rotating); medians of the rounds. */
async function measureCached(clients, { iterations, rounds }) {
  const cached = await clients[0].getToken();
  const baseline = () => Promise.resolve(cached);
  const subjects = [baseline, ...clients.map((client) => () => client.getToken())];
  const runs = subjects.map(() => []);
  for (const subject of subjects) await nsPerOp(subject, iterations / 4);
  for (let round = 0; round < rounds; round += 1) {
    for (let index = 0; index < subjects.length; index += 1) {
      const at = (index + round) % subjects.length;
      runs[at].push(await nsPerOp(subjects[at], iterations));
    }
  }
  const [baselineNs, ...libraryNs] = runs.map(median);
  return { baselineNs, libraries: libraryNs.map((ns) => ({ ns, ratio: ns / baselineNs })) };
}

/**
 * Throughput: per round every subject (the two bare transports and the libraries, order rotating) sends
 * `total` requests with `concurrency` in flight; each library's rate is divided by its transport's rate
 * of the same round, and the medians are taken, so load that drifts during the run cancels out.
 */
async function measureThroughput(clients, transports, { total, concurrency, rounds }) {
  const send = (request) => async () => {
    if ((await request()) !== 200) throw new Error('throughput request refused');
  };
  const subjects = [
    ['axios', send(transports.axios.request)],
    ['fetch', send(transports.fetch.request)],
    ...clients.map((client, index) => [index, send(client.request)]),
  ];
  const runs = new Map(subjects.map(([key]) => [key, []]));
  for (const [, subject] of subjects) await requestsPerSecond(subject, { total: total / 4, concurrency });
  for (let round = 0; round < rounds; round += 1) {
    for (let index = 0; index < subjects.length; index += 1) {
      const [key, subject] = subjects[(index + round) % subjects.length];
      runs.get(key).push((await requestsPerSecond(subject, { total, concurrency })).wall);
    }
  }
  const transport = (name) => ({ rps: median(runs.get(name)) });
  return {
    transports: { axios: transport('axios'), fetch: transport('fetch') },
    libraries: LIBRARIES.map((library, index) => {
      const own = runs.get(index);
      const base = runs.get(library.transport);
      return { rps: median(own), ratio: median(own.map((rps, round) => rps / base[round])) };
    }),
  };
}

/** Token requests and failures when `callers` fresh callers ask a cold instance for a token at once. */
async function measureCold(library, env, idp, callers) {
  const client = await library.create(env);
  const before = idp.requests;
  const outcome = await settleAll(() => client.getToken(), callers);
  const tokenRequests = idp.requests - before;
  await client.close();
  return { tokenRequests, failed: outcome.failed, pending: outcome.pending };
}

/**
 * The 401 storm: the warm client's cached token is revoked at the resource server, then `requests`
 * concurrent requests go out. Afterwards one more request shows whether the client recovered.
 */
async function measureStorm(client, revoke, idp, requests) {
  revoke(await client.getToken());
  const before = idp.requests;
  const outcome = await settleAll(async () => (await client.request()) === 200, requests);
  const tokenRequests = idp.requests - before;
  const next = await client.request().catch((error) => error?.response?.status ?? error?.code ?? 'error');
  return { tokenRequests, failed: outcome.failed, pending: outcome.pending, nextRequest: next === 200 ? 'ok' : String(next) };
}

/** Runs every phase for every library against one token endpoint and one resource server. */
export async function benchPeers({
  cachedIterations = 150_000,
  cachedRounds = 7,
  throughputTotal = 600,
  throughputRounds = 9,
  concurrency = 32,
  coldCallers = 1000,
  stormRequests = 500,
} = {}) {
  const valid = new Set();
  const idp = await startTokenServer({ delayMs: TOKEN_DELAY_MS, onIssue: (token) => valid.add(token) });
  const api = await startApiServer({ accepts: (token) => valid.has(token) });
  const env = { tokenUrl: idp.url, tokenOrigin: idp.origin, apiUrl: api.url };
  const clients = [];
  let transports;
  try {
    for (const library of LIBRARIES) clients.push(await library.create(env));
    for (const client of clients) await client.getToken();
    transports = baselines(api.url, await clients[0].getToken());
    const cached = await measureCached(clients, { iterations: cachedIterations, rounds: cachedRounds });
    const throughput = await measureThroughput(clients, transports, { total: throughputTotal, concurrency, rounds: throughputRounds });
    const cold = [];
    for (const library of LIBRARIES) cold.push(await measureCold(library, env, idp, coldCallers));
    const storm = [];
    for (const client of clients) storm.push(await measureStorm(client, (token) => valid.delete(token), idp, stormRequests));
    return {
      settings: {
        tokenDelayMs: TOKEN_DELAY_MS,
        cachedIterations,
        cachedRounds,
        throughputTotal,
        throughputRounds,
        concurrency,
        coldCallers,
        stormRequests,
      },
      cachedBaselineNs: cached.baselineNs,
      transports: throughput.transports,
      libraries: LIBRARIES.map((library, index) => ({
        name: library.name,
        transport: library.transport,
        handles401: library.handles401,
        cached: cached.libraries[index],
        throughput: throughput.libraries[index],
        cold: cold[index],
        storm: storm[index],
      })),
    };
  } finally {
    for (const client of clients) await client.close();
    await transports?.axios.close();
    await api.close();
    await idp.close();
  }
}

/** `pending` calls never settled within the phase deadline: shown next to the failures. */
const withPending = (count, pending) => (pending > 0 ? `${count} (+${pending} hung)` : String(count));

/** The peers table as Markdown, with a line per setting that shapes it. */
export function peersMarkdown(result) {
  const s = result.settings;
  const lines = [
    `## Against peers`,
    '',
    `One run, the same local token endpoint (answers after ${s.tokenDelayMs} ms, counts requests) and the same keep-alive resource server (accepts only issued, unrevoked tokens). ` +
      `Cached: ns per awaited call, median of ${s.cachedRounds} rounds of ${s.cachedIterations.toLocaleString('en')}, and × \`await Promise.resolve(cached)\` (${result.cachedBaselineNs.toFixed(1)} ns/op). ` +
      `Throughput: ${s.throughputTotal} GETs per round at concurrency ${s.concurrency}, median of ${s.throughputRounds} rounds, and × the bare transport in the same rounds ` +
      `(plain axios with a static header: ${result.transports.axios.rps.toFixed(0)} req/s; plain fetch: ${result.transports.fetch.rps.toFixed(0)} req/s). ` +
      `Ours is measured through the module's \`HttpService\` with \`firstValueFrom(http.get(...))\`.`,
    '',
    `| library | cached ns/op | × Promise.resolve | req/s | × bare transport | token requests, ${s.coldCallers.toLocaleString('en')} cold callers | 401 storm: token requests | 401 storm: failed of ${s.stormRequests} | request after the storm | 401 handling |`,
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- | --- |',
  ];
  for (const library of result.libraries) {
    lines.push(
      `| ${library.name} | ${library.cached.ns.toFixed(1)} | ${library.cached.ratio.toFixed(2)} | ${library.throughput.rps.toFixed(0)} | ${library.throughput.ratio.toFixed(2)} (${library.transport}) | ` +
        `${withPending(library.cold.tokenRequests, library.cold.pending)} | ${library.storm.tokenRequests} | ${withPending(library.storm.failed, library.storm.pending)} | ${library.storm.nextRequest} | ${library.handles401} |`,
    );
  }
  return lines.join('\n');
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const run = startRun();
  const table = peersMarkdown(await benchPeers());
  console.log(table);
  console.log(`written to ${writeResults({ producedBy: 'node bench/peers.mjs', ...run, sections: [table] })}`);
}
