// Token requests per token lifetime for a fleet of N processes (N = 1, 8, 24), each under steady
// load, without a store, with the Redis token store on one redis-server, and on a 3-master/3-replica
// Redis Cluster. Target with the store: 1, whatever N. Runs against the built package (dist/esm) and
// local redis-server processes (rows with a store skipped when the binary is absent).
import { fileURLToPath } from 'node:url';
import { startRedisCluster } from '../test/support/redis-topologies.mjs';
import { startRedis, startWorker } from './fleet-processes.mjs';
import { startTokenServer } from './support.mjs';

/** Short-lived tokens so a run covers several lifetimes: 2 s tokens, refreshed 0.5 s before expiry. */
const EXPIRES_IN_SECONDS = 2;
const REFRESH_MARGIN_SECONDS = 0.5;
/** Refreshes each run covers: it lasts this many refresh intervals and a half, so none is cut off at the edge. */
const REFRESHES = 4;
const REFRESH_INTERVAL_MS = (EXPIRES_IN_SECONDS - REFRESH_MARGIN_SECONDS) * 1000;

/**
 * Token requests per token lifetime for `processes` instances under load for REFRESHES refresh
 * intervals; `store` is undefined (each instance alone) or `{ name, connection }` (worker settings).
 */
async function measure(idp, processes, store, run) {
  const settings = {
    tokenUrl: idp.url,
    clientId: 'bench-client',
    clientSecret: 'bench-secret',
    ...(store ? { ...store.connection, keyPrefix: `bench-${run}:` } : {}),
    tokenOptions: { refreshMarginSeconds: REFRESH_MARGIN_SECONDS },
  };
  const workers = await Promise.all(Array.from({ length: processes }, () => startWorker(settings)));
  // Measured from a fleet up and running: every store connected.
  while (store && !(await Promise.all(workers.map((worker) => worker.send('storeStatus')))).every(({ status }) => status === 'ready')) {
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  const before = idp.requests;
  await Promise.all(workers.map((worker) => worker.send('startLoad', { callers: 20 })));
  await new Promise((resolve) => setTimeout(resolve, (REFRESHES + 0.5) * REFRESH_INTERVAL_MS));
  const loads = await Promise.all(workers.map((worker) => worker.send('stopLoad')));
  const requests = idp.requests - before;
  await Promise.all(workers.map((worker) => worker.close()));
  return {
    processes,
    store: store?.name ?? 'none',
    requests,
    // Token lifetimes covered: the cold start, then one per refresh.
    perLifetime: requests / (1 + REFRESHES),
    calls: loads.reduce((sum, load) => sum + load.calls, 0),
    failed: loads.reduce((sum, load) => sum + load.failed, 0),
  };
}

/** Every fleet size without a store, on one redis-server and on a Redis Cluster. */
export async function benchFleet({ sizes = [1, 8, 24] } = {}) {
  const idp = await startTokenServer({ expiresIn: EXPIRES_IN_SECONDS });
  const redis = await startRedis();
  const cluster = redis ? await startRedisCluster({ masters: 3 }) : undefined;
  const stores = redis
    ? [
        { name: 'redis', connection: { redisUrl: redis.url } },
        { name: 'redis cluster', connection: { redis: { cluster: cluster.nodes } } },
      ]
    : [];
  const rows = [];
  try {
    let run = 0;
    for (const processes of sizes) {
      rows.push(await measure(idp, processes, undefined, run++));
      for (const store of stores) rows.push(await measure(idp, processes, store, run++));
    }
  } finally {
    await idp.close();
    await redis?.stop();
    await cluster?.stop();
  }
  return {
    rows,
    redis: redis !== undefined,
    expiresInSeconds: EXPIRES_IN_SECONDS,
    refreshMarginSeconds: REFRESH_MARGIN_SECONDS,
    lifetimes: 1 + REFRESHES,
  };
}

/** The table as Markdown; `node bench/fleet.mjs` prints it on its own. */
export function fleetMarkdown(result) {
  return [
    '## Fleet: token requests per token lifetime',
    '',
    `${result.expiresInSeconds} s tokens refreshed ${result.refreshMarginSeconds} s early, ${result.lifetimes} lifetimes under load, 20 concurrent callers per process. ` +
      'Target with the store: 1 per lifetime whatever the fleet size.' +
      (result.redis ? '' : ' redis-server not found: rows with the Redis store skipped (apt-get install redis-server).'),
    '',
    '| processes | store | token requests | per lifetime | calls | failed |',
    '| ---: | --- | ---: | ---: | ---: | ---: |',
    ...result.rows.map(
      (row) => `| ${row.processes} | ${row.store} | ${row.requests} | ${row.perLifetime.toFixed(2)} | ${row.calls} | ${row.failed} |`,
    ),
  ].join('\n');
}

if (process.argv[1] === fileURLToPath(import.meta.url)) console.log(fleetMarkdown(await benchFleet()));
