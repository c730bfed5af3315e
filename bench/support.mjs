// Shared helpers of the benchmark scripts (plain Node ESM against the built package in dist/esm).
// Every server listens on 127.0.0.1 only.
import 'reflect-metadata';
import { createServer } from 'node:http';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

/** Connections a burst of callers may open before the kernel makes them wait (capped by somaxconn). */
const LISTEN_BACKLOG = 2048;

async function listen(server) {
  await new Promise((resolve) => server.listen({ port: 0, host: '127.0.0.1', backlog: LISTEN_BACKLOG }, resolve));
  return `http://127.0.0.1:${server.address().port}`;
}

function closer(server) {
  return () => new Promise((resolve) => (server.closeAllConnections(), server.close(resolve)));
}

/**
 * A local token endpoint answering every request with a fresh opaque token; counts requests.
 * `onIssue(token)` learns every token handed out (the resource server of the peers benchmark
 * accepts only those).
 */
export async function startTokenServer({ delayMs = 0, expiresIn = 3600, onIssue } = {}) {
  let requests = 0;
  const server = createServer((request, response) => {
    request.resume();
    request.on('end', () => {
      requests += 1;
      const token = `bench-token-${requests}`;
      const reply = () => {
        onIssue?.(token);
        response.writeHead(200, { 'content-type': 'application/json' });
        response.end(JSON.stringify({ access_token: token, token_type: 'Bearer', expires_in: expiresIn }));
      };
      if (state.delayMs > 0) setTimeout(reply, state.delayMs);
      else reply();
    });
  });
  const state = { delayMs };
  const origin = await listen(server);
  return {
    origin,
    url: `${origin}/token`,
    state,
    get requests() {
      return requests;
    },
    close: closer(server),
  };
}

/**
 * A keep-alive API answering every request with a small JSON body. With `accepts(token)`, a request
 * whose Bearer token it refuses gets RFC 6750's 401 `invalid_token` instead.
 */
export async function startApiServer({ accepts } = {}) {
  let requests = 0;
  let rejected = 0;
  const body = JSON.stringify({ ok: true, items: [1, 2, 3] });
  const server = createServer({ keepAlive: true }, (request, response) => {
    requests += 1;
    request.resume();
    const token = /^Bearer (.+)$/.exec(request.headers.authorization ?? '')?.[1];
    if (accepts !== undefined && (token === undefined || !accepts(token))) {
      rejected += 1;
      response.writeHead(401, { 'www-authenticate': 'Bearer error="invalid_token"', 'content-length': 0 });
      response.end();
      return;
    }
    response.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
    response.end(body);
  });
  const origin = await listen(server);
  return {
    url: origin,
    get requests() {
      return requests;
    },
    get rejected() {
      return rejected;
    },
    close: closer(server),
  };
}

/** Median of the values. */
export function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

/** Average nanoseconds per awaited call of `fn`, over `iterations` or until `maxMs` have passed. */
export async function nsPerOp(fn, iterations, maxMs = 10_000) {
  const start = process.hrtime.bigint();
  const deadline = start + BigInt(maxMs) * 1_000_000n;
  let done = 0;
  while (done < iterations) {
    // Checking the clock every 1,024 calls keeps its cost out of the figure.
    for (let i = 0; i < 1024 && done < iterations; i += 1, done += 1) await fn();
    if (process.hrtime.bigint() > deadline) break;
  }
  return Number(process.hrtime.bigint() - start) / done;
}

/**
 * Requests per second of `send`, with `concurrency` requests in flight until `total` are done or
 * `maxMs` have passed: by the wall clock, and per second of this process's CPU time (client and
 * server both run here), which other load on the machine disturbs far less.
 */
export async function requestsPerSecond(send, { total, concurrency, maxMs = 20_000 }) {
  let started = 0;
  let completed = 0;
  const deadline = performance.now() + maxMs;
  const worker = async () => {
    while (started < total && performance.now() < deadline) {
      started += 1;
      await send();
      completed += 1;
    }
  };
  const start = process.hrtime.bigint();
  const cpuStart = process.cpuUsage();
  await Promise.all(Array.from({ length: concurrency }, worker));
  const cpu = process.cpuUsage(cpuStart);
  return { wall: completed / (Number(process.hrtime.bigint() - start) / 1e9), cpu: completed / ((cpu.user + cpu.system) / 1e6) };
}

/**
 * Runs every subject of `subjects` (name → send one request) for `total` requests per window, once per
 * round, and returns each subject's `requestsPerSecond` results by round. Rounds rotate the order and every
 * other round reverses it, so each subject follows each other one equally often; per-round ratios to a
 * baseline are then robust to load that drifts during the run (other processes on a shared machine). Each
 * window starts after a full garbage collection and is long enough for the subject to pay for its own garbage.
 */
export async function balancedRounds(subjects, { total, concurrency, rounds }) {
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc');
  const names = Object.keys(subjects);
  const runs = Object.fromEntries(names.map((name) => [name, []]));
  for (const send of Object.values(subjects)) await requestsPerSecond(send, { total, concurrency });
  for (let round = 0; round < rounds; round += 1) {
    const order = names.map((_, index) => names[(index + round) % names.length]);
    if (round % 2 === 1) order.reverse();
    for (const name of order) {
      gc();
      runs[name].push(await requestsPerSecond(subjects[name], { total, concurrency }));
    }
  }
  return runs;
}

/**
 * Per subject of `runs` (from `balancedRounds`), by wall clock and per CPU-second: the median rate, the
 * subject it is measured against (`referenceOf[name]`), and the median of its per-round ratios to it.
 */
export function summarizeRounds(runs, referenceOf) {
  const summary = (kind) =>
    Object.fromEntries(
      Object.keys(runs).map((name) => [
        name,
        {
          rps: median(runs[name].map((run) => run[kind])),
          reference: referenceOf[name],
          ratio: median(runs[name].map((run, round) => run[kind] / runs[referenceOf[name]][round][kind])),
        },
      ]),
    );
  return { wall: summary('wall'), cpu: summary('cpu') };
}
