// One instance of a fleet, as a child process: a Nest application context with TokenModule and
// (given `redisUrl`) a RedisTokenStore, driven over IPC by the fleet tests and bench/fleet.mjs. It
// imports the package as built into FLEET_LIB_DIR (an ESM build of lib/), like an application would.
import 'reflect-metadata';
import { HttpService } from '@nestjs/axios';
import { NestFactory } from '@nestjs/core';
import { pathToFileURL } from 'node:url';

const libDir = process.env.FLEET_LIB_DIR;
const { DpopService, TokenModule, TokenManagerService } = await import(pathToFileURL(`${libDir}/index.js`).href);
const { RedisTokenStore } = await import(pathToFileURL(`${libDir}/redis/index.js`).href);
const settings = JSON.parse(process.env.FLEET_WORKER_SETTINGS);

// Without `redisUrl` (or `redis`: connection options, a cluster, Sentinel) the instance runs alone
// (no store): the baseline of the fleet benchmark.
const connection = settings.redis ?? settings.redisUrl;
const store = connection
  ? new RedisTokenStore({
      redis: connection,
      keyPrefix: settings.keyPrefix,
      ...(settings.encryptionKey ? { encryptionKey: settings.encryptionKey } : {}),
      ...(settings.notifyWaiters !== undefined ? { notifyWaiters: settings.notifyWaiters } : {}),
      ...(settings.commandTimeoutMs !== undefined ? { commandTimeoutMs: settings.commandTimeoutMs } : {}),
    })
  : undefined;
const app = await NestFactory.createApplicationContext(
  TokenModule.forRoot({
    tokenUrl: settings.tokenUrl,
    clientId: settings.clientId,
    clientSecret: settings.clientSecret,
    ...(store ? { store } : {}),
    ...settings.tokenOptions,
  }),
  { logger: false },
);
const manager = app.get(TokenManagerService);

/** Runs `callers` concurrent getAccessToken(parameters) calls; reports successes, failures and distinct tokens. */
async function burst(callers, parameters) {
  const results = await Promise.allSettled(Array.from({ length: callers }, () => manager.getAccessToken(parameters)));
  const tokens = new Set();
  const errors = new Set();
  for (const result of results) {
    if (result.status === 'fulfilled') tokens.add(result.value);
    else errors.add(`${result.reason?.name}: ${result.reason?.message}`);
  }
  const failed = results.filter((result) => result.status === 'rejected').length;
  return { ok: results.length - failed, failed, tokens: [...tokens], errors: [...errors] };
}

/** Runs `callers` concurrent GETs of `path` through the module's HttpService (DPoP when on); counts the outcomes. */
async function apiBurst({ path, callers }) {
  const http = app.get(HttpService);
  const results = await Promise.allSettled(Array.from({ length: callers }, () => http.axiosRef.get(path)));
  const errors = new Set(
    results.filter((result) => result.status === 'rejected').map((result) => `${result.reason?.name}: ${result.reason?.message}`),
  );
  const ok = results.filter((result) => result.status === 'fulfilled' && result.value.status === 200).length;
  return { ok, failed: results.length - ok, tokens: [], errors: [...errors] };
}

/** Background load: bursts until stopped, counting every call. */
const load = { running: false, calls: 0, failed: 0, errors: new Set(), done: Promise.resolve() };

const commands = {
  burst: ({ callers, parameters }) => burst(callers, parameters),
  // A burst and the instant (ms since the epoch, sub-millisecond) its last caller got its token.
  timedBurst: async ({ callers }) => ({ ...(await burst(callers)), finishedAtMs: performance.timeOrigin + performance.now() }),
  apiBurst,
  dpopStatus: () => app.get(DpopService).status(),
  // What the periodic keep-alive of the shared DPoP key runs, on demand (the timer fires every 6 h).
  refreshSharedDpopKey: async () => ({ outcome: await app.get(DpopService).refreshSharedKey() }),
  invalidate: ({ token }) => {
    manager.invalidate(token);
    return {};
  },
  cacheKey: () => ({ cacheKey: manager.cacheKey }),
  storeStatus: () => ({ status: store?.toJSON().status }),
  // Whether the store answers for this client's own key (on a cluster: the slot's current master).
  storeAnswers: async () => ({
    answers: await store.get(manager.cacheKey).then(
      () => true,
      () => false,
    ),
  }),
  startLoad: ({ callers }) => {
    load.running = true;
    load.done = (async () => {
      while (load.running) {
        const result = await burst(callers);
        load.calls += result.ok + result.failed;
        load.failed += result.failed;
        for (const error of result.errors) load.errors.add(error);
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
    })();
    return {};
  },
  stopLoad: async () => {
    load.running = false;
    await load.done;
    return { calls: load.calls, failed: load.failed, errors: [...load.errors] };
  },
  close: async () => {
    await app.close();
    setImmediate(() => process.exit(0));
    return {};
  },
};

process.on('message', async ({ id, command, ...args }) => {
  try {
    process.send({ id, result: await commands[command](args) });
  } catch (error) {
    process.send({ id, error: `${error?.name}: ${error?.message}` });
  }
});
process.send({ ready: true });
