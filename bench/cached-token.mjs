// Cost of a cached getAccessToken() against `await Promise.resolve(cachedString)` in the same run.
// Target: at most 2.0x (a naive firstValueFrom over shareReplay measures about 4x).
import { NestFactory } from '@nestjs/core';
import { TokenManagerService, TokenModule } from '../dist/esm/index.js';
import { median, nsPerOp, startTokenServer } from './support.mjs';

export async function benchCachedToken({ iterations = 1_000_000, rounds = 7 } = {}) {
  const idp = await startTokenServer();
  const app = await NestFactory.createApplicationContext(
    TokenModule.forRoot({ tokenUrl: idp.url, clientId: 'bench', clientSecret: 'bench-secret' }),
    { logger: false },
  );
  const manager = app.get(TokenManagerService);
  const cached = await manager.getAccessToken();
  const baseline = () => Promise.resolve(cached);
  const subject = () => manager.getAccessToken();
  const baselineRuns = [];
  const subjectRuns = [];
  await nsPerOp(baseline, iterations / 4);
  await nsPerOp(subject, iterations / 4);
  for (let round = 0; round < rounds; round += 1) {
    baselineRuns.push(await nsPerOp(baseline, iterations));
    subjectRuns.push(await nsPerOp(subject, iterations));
  }
  await app.close();
  await idp.close();
  const baselineNs = median(baselineRuns);
  const subjectNs = median(subjectRuns);
  return { baselineNs, subjectNs, ratio: subjectNs / baselineNs, tokenRequests: idp.requests };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const result = await benchCachedToken();
  console.log(JSON.stringify(result, null, 2));
}
