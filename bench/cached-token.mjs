// Cost of a cached getAccessToken() against `await Promise.resolve(cachedString)` in the same run.
// Target: at most 2.0x (a naive firstValueFrom over shareReplay measures about 4x). Also against the
// floor of a design that checks expiry by the clock: one Date.now() read plus that promise; target ≤ 1.15×.
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
  let lastClockRead = 0;
  const floor = () => {
    // Kept in a variable the result reads, so the clock read cannot be optimised away.
    lastClockRead = Date.now();
    return Promise.resolve(cached);
  };
  const subject = () => manager.getAccessToken();
  const baselineRuns = [];
  const floorRuns = [];
  const subjectRuns = [];
  await nsPerOp(baseline, iterations / 4);
  await nsPerOp(floor, iterations / 4);
  await nsPerOp(subject, iterations / 4);
  for (let round = 0; round < rounds; round += 1) {
    baselineRuns.push(await nsPerOp(baseline, iterations));
    floorRuns.push(await nsPerOp(floor, iterations));
    subjectRuns.push(await nsPerOp(subject, iterations));
  }
  await app.close();
  await idp.close();
  const baselineNs = median(baselineRuns);
  const floorNs = median(floorRuns);
  const subjectNs = median(subjectRuns);
  return {
    baselineNs,
    floorNs,
    subjectNs,
    ratio: subjectNs / baselineNs,
    ratioToFloor: subjectNs / floorNs,
    tokenRequests: idp.requests,
    clockReadAfterRun: lastClockRead > 0,
  };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const result = await benchCachedToken();
  console.log(JSON.stringify(result, null, 2));
}
