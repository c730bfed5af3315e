// `npm run bench` (after the build it runs first): every benchmark, one run, each ratio against a
// baseline measured in the same run. Scripts that own their process run as children and report one
// JSON line each.
import { execFileSync } from 'node:child_process';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { benchCachedToken } from './cached-token.mjs';
import { benchFleet, printFleet } from './fleet.mjs';

const fmt = (n, digits = 1) => Number(n).toFixed(digits);
const here = (file) => fileURLToPath(new URL(file, import.meta.url));

/** Runs a bench script in its own process and returns the JSON it printed after `tag `. */
function runChild(file, tag) {
  const output = execFileSync(process.execPath, [here(file)], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  const line = output.split("\n").find((candidate) => candidate.startsWith(`${tag} {`));
  if (line === undefined) throw new Error(`${file} printed no "${tag}" line`);
  return JSON.parse(line.slice(tag.length + 1));
}

console.log(`nestjs-client-credentials benchmarks: Node ${process.version}, ${os.cpus()[0]?.model ?? 'cpu'} x${os.cpus().length}, ${new Date().toISOString()}`);

const cached = await benchCachedToken();
console.log('\n## Cached getAccessToken()');
console.log(`baseline  await Promise.resolve(cachedString): ${fmt(cached.baselineNs)} ns/op`);
console.log(`subject   await manager.getAccessToken():     ${fmt(cached.subjectNs)} ns/op`);
console.log(`ratio ${fmt(cached.ratio, 2)}x (target <= 2.0x)  token requests: ${cached.tokenRequests}`);

const ahead = runChild('./refresh-ahead.mjs', 'refresh-ahead');
console.log(`\n## Refresh-ahead against an IdP delayed ${ahead.idpDelayMs} ms`);
console.log(`calls during the refresh: ${ahead.duringRefresh.calls}, waited on the IdP: ${ahead.duringRefresh.waitedOnIdp} (target 0)`);
console.log(`p99 ${ahead.duringRefresh.p99Ns} ns vs cached ${ahead.cached.p99Ns} ns: ${ahead.p99RatioToCached}x (target <= 2x)`);

printFleet(await benchFleet());
