// `npm run bench` (after the build it runs first): every benchmark, one run, each ratio against a
// baseline measured in the same run. Scripts that own their process run as children and report one
// JSON line each. Every section is printed as it finishes and all of them go to bench/results.md.
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { benchCachedToken } from './cached-token.mjs';
import { benchParameterisedToken } from './parameterised-token.mjs';
import { benchColdAcquisition } from './cold-acquisition.mjs';
import { benchFleet, fleetMarkdown } from './fleet.mjs';
import { benchGrpc, grpcMarkdown } from './grpc.mjs';
import { benchFleetWake, fleetWakeMarkdown } from './fleet-wake.mjs';
import { benchHttpThroughput, httpThroughputMarkdown } from './http-throughput.mjs';
import { benchPeers, peersMarkdown } from './peers.mjs';
import { machineMarkdown, startRun, writeResults } from './results.mjs';
import { soakMarkdown } from './soak.mjs';
import { benchUndici, undiciMarkdown } from './undici.mjs';

const fmt = (n, digits = 1) => Number(n).toFixed(digits);
const here = (file) => fileURLToPath(new URL(file, import.meta.url));
const run = startRun();
const sections = [];

/** Prints a finished section and keeps it for results.md. */
function report(markdown) {
  console.log(`\n${markdown}`);
  sections.push(markdown);
}

/** Runs a bench script in its own process (with `nodeFlags`) and returns the JSON it printed after `tag `. */
function runChild(file, tag, { nodeFlags = [], timeoutMs = 120_000 } = {}) {
  const output = execFileSync(process.execPath, [...nodeFlags, here(file)], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
    timeout: timeoutMs,
  });
  const line = output.split('\n').find((candidate) => candidate.startsWith(`${tag} {`));
  if (line === undefined) throw new Error(`${file} printed no "${tag}" line`);
  return JSON.parse(line.slice(tag.length + 1));
}

console.log(`nestjs-client-credentials benchmarks. ${machineMarkdown(run.startedAt)}`);

const cached = await benchCachedToken();
report(
  [
    '## Cached getAccessToken()',
    '',
    `- baseline \`await Promise.resolve(cachedString)\`: ${fmt(cached.baselineNs)} ns/op`,
    `- subject \`await manager.getAccessToken()\`: ${fmt(cached.subjectNs)} ns/op`,
    `- ratio **${fmt(cached.ratio, 2)}×** (target ≤ 2.0×); token requests: ${cached.tokenRequests}`,
  ].join('\n'),
);

report(
  [
    '## Cached getAccessToken() against the floor',
    '',
    `- floor \`Date.now()\` + \`await Promise.resolve(cachedString)\`: ${fmt(cached.floorNs)} ns/op`,
    `- subject \`await manager.getAccessToken()\`: ${fmt(cached.subjectNs)} ns/op`,
    `- ratio **${fmt(cached.ratioToFloor, 2)}×** (target ≤ 1.15×)`,
  ].join('\n'),
);

const parameterised = await benchParameterisedToken();
report(
  [
    '## Cached getAccessToken() with per-request parameters',
    '',
    `- plain \`await manager.getAccessToken()\`: ${fmt(parameterised.plainNs)} ns/op`,
    `- subject \`await manager.getAccessToken({ resource, scope })\` (a new object per call): ${fmt(parameterised.parameterisedNs)} ns/op`,
    `- ratio **${fmt(parameterised.ratio, 2)}×** (target ≤ 1.5×); token requests: ${parameterised.tokenRequests}`,
  ].join('\n'),
);

const cold = await benchColdAcquisition();
report(
  [
    '## Cold acquisition (a new token)',
    '',
    `- baseline: raw keep-alive axios POST of the same form to the same local endpoint: ${fmt(cold.baselineNs / 1000)} µs/token`,
    `- subject \`manager.invalidate(); await manager.getAccessToken()\`: ${fmt(cold.subjectNs / 1000)} µs/token`,
    `- ratio **${fmt(cold.ratio, 2)}×** by wall clock (target ≤ 1.10×); per CPU time ${fmt(cold.baselineCpuNs / 1000)} vs ${fmt(cold.subjectCpuNs / 1000)} µs: **${fmt(cold.cpuRatio, 2)}×**; token requests: ${cold.tokenRequests}`,
  ].join('\n'),
);

const ahead = runChild('./refresh-ahead.mjs', 'refresh-ahead');
report(
  [
    `## Refresh-ahead against an IdP delayed ${ahead.idpDelayMs} ms`,
    '',
    `- calls during the ${ahead.refreshMs} ms background refresh: ${ahead.duringRefresh.calls}, of which waited on the IdP: **${ahead.duringRefresh.waitedOnIdp}** (target 0)`,
    `- p99 ${ahead.duringRefresh.p99Ns} ns during the refresh vs ${ahead.cached.p99Ns} ns cached: **${ahead.p99RatioToCached}×** (target ≤ 2×); token requests: ${ahead.tokenRequests}`,
  ].join('\n'),
);

report(fleetMarkdown(await benchFleet()));
report(fleetWakeMarkdown(await benchFleetWake()));
report(httpThroughputMarkdown(await benchHttpThroughput()));
report(grpcMarkdown(await benchGrpc()));
report(undiciMarkdown(await benchUndici()));
report(peersMarkdown(await benchPeers()));
// Its own process: it needs --expose-gc, and the other benchmarks' leftovers would blur its heap figures.
report(soakMarkdown(runChild('./soak.mjs', 'soak', { nodeFlags: ['--expose-gc'], timeoutMs: 600_000 })));

console.log(`\nwritten to ${writeResults({ producedBy: 'npm run bench', ...run, sections })}`);
