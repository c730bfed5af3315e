// Memory kept per call: live heap after full garbage collection, before and after long runs of the three
// paths a service exercises (cached calls, refresh cycles, `cache: false`), against a local token
// server. A healthy path keeps nothing per call, so the second run of the same length must grow the
// heap by almost nothing. Needs `npm run build` first and `node --expose-gc`.
// Output: a human summary and one JSON line (`soak {...}`) for bench/run.mjs.
import { NestFactory } from '@nestjs/core';
import v8 from 'node:v8';
import { TokenManagerService, TokenModule } from '../dist/esm/index.js';
import { startTokenServer } from './support.mjs';

const MIB = 2 ** 20;
/** Growth allowed over the first run (warm-up: lazy initialisation, compiled code) and over the second. */
export const FIRST_RUN_LIMIT_MIB = 1;
export const SECOND_RUN_LIMIT_MIB = 0.1;

/**
 * Bytes of live data on the heap: the objects of a heap snapshot (taken after full garbage collection,
 * finalizers and weak references settled), without compiled code. Code (bytecode, feedback, optimised
 * code) comes and goes as V8 compiles and flushes functions, and `heapUsed` also counts page-level
 * slack; both move by a few hundred KiB between identical runs and would hide what a call keeps.
 */
async function liveHeapBytes() {
  for (let round = 0; round < 4; round += 1) {
    globalThis.gc();
    await new Promise((resolve) => setImmediate(resolve));
  }
  const chunks = [];
  for await (const chunk of v8.getHeapSnapshot()) chunks.push(chunk);
  const { snapshot, nodes } = JSON.parse(Buffer.concat(chunks).toString('utf8'));
  const fields = snapshot.meta.node_fields;
  const [typeField, sizeField] = [fields.indexOf('type'), fields.indexOf('self_size')];
  const codeType = snapshot.meta.node_types[0].indexOf('code');
  let bytes = 0;
  for (let node = 0; node < nodes.length; node += fields.length) if (nodes[node + typeField] !== codeType) bytes += nodes[node + sizeField];
  return bytes;
}

/** Live-heap growth of `run` done twice, in MiB (`firstMiB`, `secondMiB`), after `warmUp`. */
async function growthOfTwoRuns(run, warmUp) {
  await warmUp();
  const before = await liveHeapBytes();
  await run();
  const afterFirst = await liveHeapBytes();
  await run();
  const afterSecond = await liveHeapBytes();
  return { firstMiB: (afterFirst - before) / MIB, secondMiB: (afterSecond - afterFirst) / MIB };
}

async function startManager(idp, options = {}) {
  const app = await NestFactory.createApplicationContext(
    TokenModule.forRoot({ tokenUrl: idp.url, clientId: 'soak', clientSecret: 'soak-secret', ...options }),
    { logger: false },
  );
  return { app, manager: app.get(TokenManagerService) };
}

export async function benchSoak({ cachedCalls = 1_000_000, refreshCycles = 10_000, uncachedCalls = 100_000 } = {}) {
  if (typeof globalThis.gc !== 'function') throw new Error('bench/soak.mjs needs node --expose-gc');
  const idp = await startTokenServer();
  const started = performance.now();

  const { app, manager } = await startManager(idp);
  await manager.getAccessToken();
  let cyclesRun = 0;
  const cachedThenRefresh = async (cycles, calls) => {
    for (let call = 0; call < calls; call += 1) await manager.getAccessToken();
    for (let cycle = 0; cycle < cycles; cycle += 1, cyclesRun += 1) {
      manager.invalidate();
      await Promise.all([manager.getAccessToken(), manager.getAccessToken(), manager.getAccessToken()]);
    }
  };
  const requestsBefore = idp.requests;
  const cached = await growthOfTwoRuns(
    () => cachedThenRefresh(refreshCycles, cachedCalls),
    () => cachedThenRefresh(refreshCycles / 10, cachedCalls / 10),
  );
  const refreshRequests = idp.requests - requestsBefore;
  await app.close();

  const uncachedApp = await startManager(idp, { cache: false });
  const uncachedRun = (calls) => async () => {
    for (let call = 0; call < calls; call += 1) await uncachedApp.manager.getAccessToken();
  };
  const uncached = await growthOfTwoRuns(uncachedRun(uncachedCalls), uncachedRun(uncachedCalls / 10));
  await uncachedApp.app.close();
  await idp.close();

  return {
    cachedCalls,
    refreshCycles,
    uncachedCalls,
    refreshRequestsPerCycle: refreshRequests / cyclesRun,
    cached,
    uncached,
    seconds: (performance.now() - started) / 1000,
  };
}

/** The Markdown section of bench/results.md. */
export function soakMarkdown(result) {
  const fmt = (mib) => `${mib >= 0 ? '+' : ''}${mib.toFixed(3)} MiB`;
  const verdict = ({ firstMiB, secondMiB }) => (firstMiB < FIRST_RUN_LIMIT_MIB && secondMiB < SECOND_RUN_LIMIT_MIB ? 'ok' : '**over**');
  return [
    '## Soak: heap kept per call',
    '',
    `Live data on the heap after full garbage collection (heap snapshot, compiled code excluded), measured before a run, after it, and after the same run again (after a warm-up of a tenth of it). ` +
      `Targets: the first run grows the heap by less than ${FIRST_RUN_LIMIT_MIB} MiB, the second by less than ${SECOND_RUN_LIMIT_MIB} MiB. Local token server; ${result.seconds.toFixed(0)} s.`,
    '',
    '| run | first run | second run | verdict |',
    '| --- | ---: | ---: | --- |',
    `| ${result.cachedCalls.toLocaleString('en')} cached calls, then ${result.refreshCycles.toLocaleString('en')} refresh cycles (invalidate, 3 concurrent callers) | ${fmt(result.cached.firstMiB)} | ${fmt(result.cached.secondMiB)} | ${verdict(result.cached)} |`,
    `| ${result.uncachedCalls.toLocaleString('en')} calls with \`cache: false\` | ${fmt(result.uncached.firstMiB)} | ${fmt(result.uncached.secondMiB)} | ${verdict(result.uncached)} |`,
    '',
    `Token requests per refresh cycle: ${result.refreshRequestsPerCycle.toFixed(2)} (single flight: 1).`,
  ].join('\n');
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const result = await benchSoak();
  console.log(soakMarkdown(result));
  console.log(`soak ${JSON.stringify(result)}`);
}
