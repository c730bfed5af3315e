// Follower wake delay: two instances ask for a token at the same instant, against a token endpoint
// answering in 200 ms; one wins the lease and fetches, the other waits. The delay is how much later
// than the lease owner the waiting instance has the token, and "commands" counts the Redis commands
// the waiting instance sends meanwhile (MONITOR). Measured with pub/sub wake-up (notifyWaiters, the
// default) and with polling alone (notifyWaiters: false, the baseline) in the same run.
import { Redis } from 'ioredis';
import { fileURLToPath } from 'node:url';
import { startRedis, startWorker } from './fleet-processes.mjs';
import { startTokenServer } from './support.mjs';

const ROUNDS = 20;
const TOKEN_ENDPOINT_DELAY_MS = 200;

const percentile = (values, p) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
};

/** ROUNDS cold rounds of two instances; per round the waiter's delay behind the owner and its commands. */
async function measure(idp, redis, notifyWaiters) {
  const prefix = `wake-${notifyWaiters ? 'pubsub' : 'poll'}:`;
  const names = ['instance-a', 'instance-b'];
  const workers = await Promise.all(
    names.map((connectionName) =>
      startWorker({
        tokenUrl: idp.url,
        clientId: 'bench-client',
        clientSecret: 'bench-secret',
        redis: { host: '127.0.0.1', port: redis.port, connectionName },
        keyPrefix: prefix,
        notifyWaiters,
      }),
    ),
  );
  const monitored = new Redis({ host: '127.0.0.1', port: redis.port });
  const monitor = await monitored.monitor();
  const admin = new Redis({ host: '127.0.0.1', port: redis.port });
  /** Commands per client address in the current round, and the address that stored the token. */
  let counting = new Map();
  let storedBy;
  monitor.on('monitor', (_time, args, source) => {
    counting.set(source, (counting.get(source) ?? 0) + 1);
    if (String(args[0]).toLowerCase() === 'eval' && String(args[1]).includes("'SET'")) storedBy = source;
  });
  const addressesOf = async (name) =>
    (await admin.client('LIST'))
      .split('\n')
      .filter((line) => line.includes(` name=${name} `))
      .map((line) => /addr=(\S+)/.exec(line)[1]);

  const delaysMs = [];
  const waiterCommands = [];
  // Round 0 warms up (connections, subscriptions); it is not counted.
  for (let round = 0; round <= ROUNDS; round++) {
    for (const key of await admin.keys(`${prefix}*:token`)) await admin.del(key);
    await Promise.all(workers.map((worker) => worker.send('invalidate', { token: `bench-token-${idp.requests}` })));
    await new Promise((resolve) => setTimeout(resolve, 20));
    counting = new Map();
    storedBy = undefined;
    const before = idp.requests;
    const [a, b] = await Promise.all(workers.map((worker) => worker.send('timedBurst', { callers: 1 })));
    if (round === 0) continue;
    if (idp.requests - before !== 1) throw new Error(`round ${round}: ${idp.requests - before} token requests`);
    // The owner is the instance that stored the token; the waiter may even finish first (0 delay).
    const ownerIsA = (await addressesOf(names[0])).includes(storedBy);
    const [owner, waiter] = ownerIsA ? [a, b] : [b, a];
    delaysMs.push(Math.max(0, waiter.finishedAtMs - owner.finishedAtMs));
    const waiterAddresses = await addressesOf(names[ownerIsA ? 1 : 0]);
    waiterCommands.push(waiterAddresses.reduce((sum, address) => sum + (counting.get(address) ?? 0), 0));
  }
  monitor.disconnect();
  monitored.disconnect();
  admin.disconnect();
  await Promise.all(workers.map((worker) => worker.close()));
  return {
    mode: notifyWaiters ? 'pub/sub' : 'polling',
    p50Ms: percentile(delaysMs, 50),
    p99Ms: percentile(delaysMs, 99),
    commandsP50: percentile(waiterCommands, 50),
    commandsMax: Math.max(...waiterCommands),
  };
}

/** Both modes, polling first (the baseline). */
export async function benchFleetWake() {
  const redis = await startRedis();
  if (redis === undefined) return { rows: [], redis: false };
  const idp = await startTokenServer({ delayMs: TOKEN_ENDPOINT_DELAY_MS });
  try {
    const rows = [await measure(idp, redis, false), await measure(idp, redis, true)];
    return { rows, redis: true };
  } finally {
    await idp.close();
    await redis.stop();
  }
}

/** The table as Markdown; `node bench/fleet-wake.mjs` prints it on its own. */
export function fleetWakeMarkdown(result) {
  const fmt = (ms) => ms.toFixed(1);
  return [
    '## Fleet: follower wake delay',
    '',
    `Two instances ask at the same instant; the token endpoint answers in ${TOKEN_ENDPOINT_DELAY_MS} ms; ${ROUNDS} rounds. ` +
      'Delay: how long after the lease owner the waiting instance has the token (target p99 ≤ 5 ms). ' +
      'Commands: Redis commands the waiting instance sends during the round (target ≤ 3).' +
      (result.redis ? '' : ' redis-server not found: skipped.'),
    '',
    '| waiters woken by | delay p50 (ms) | delay p99 (ms) | commands per waiter (p50) | (max) |',
    '| --- | ---: | ---: | ---: | ---: |',
    ...result.rows.map((row) => `| ${row.mode} | ${fmt(row.p50Ms)} | ${fmt(row.p99Ms)} | ${row.commandsP50} | ${row.commandsMax} |`),
    ...(result.rows.length === 2
      ? ['', `p99 with pub/sub: **${(result.rows[1].p99Ms / result.rows[0].p99Ms).toFixed(3)}×** the polling baseline.`]
      : []),
  ].join('\n');
}

if (process.argv[1] === fileURLToPath(import.meta.url)) console.log(fleetWakeMarkdown(await benchFleetWake()));
