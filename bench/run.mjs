// `npm run bench`: every benchmark, one run, ratios against baselines measured in the same run.
import os from 'node:os';
import { benchCachedToken } from './cached-token.mjs';

const fmt = (n, digits = 1) => n.toFixed(digits);
console.log(`nestjs-client-credentials benchmarks — Node ${process.version}, ${os.cpus()[0]?.model ?? 'cpu'} x${os.cpus().length}`);

const cached = await benchCachedToken();
console.log('\n## Cached getAccessToken()');
console.log(`baseline  await Promise.resolve(cachedString): ${fmt(cached.baselineNs)} ns/op`);
console.log(`subject   await manager.getAccessToken():     ${fmt(cached.subjectNs)} ns/op`);
console.log(`ratio ${fmt(cached.ratio, 2)}x (target <= 2.0x)  token requests: ${cached.tokenRequests}`);
