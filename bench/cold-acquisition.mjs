// Cost of a new token through the manager (no cached token: invalidate(), then getAccessToken())
// against a raw keep-alive axios POST of the same form (client_secret_basic, grant_type, Accept JSON)
// to the same local token endpoint, alternating rounds in one process. Target: at most 1.10×.
import axios from 'axios';
import { Agent } from 'node:http';
import { NestFactory } from '@nestjs/core';
import { TokenManagerService, TokenModule } from '../dist/esm/index.js';
import { median, startTokenServer } from './support.mjs';

/**
 * Wall-clock and CPU nanoseconds per awaited call of `fn` over `iterations` calls. Client and server run in
 * this process, so the CPU figure covers both and is far less disturbed by other load on the machine.
 */
async function perToken(fn, iterations) {
  const cpuStart = process.cpuUsage();
  const start = process.hrtime.bigint();
  for (let i = 0; i < iterations; i += 1) await fn();
  const wallNs = Number(process.hrtime.bigint() - start) / iterations;
  const cpu = process.cpuUsage(cpuStart);
  return { wallNs, cpuNs: ((cpu.user + cpu.system) * 1000) / iterations };
}

const CLIENT_ID = 'bench';
const CLIENT_SECRET = 'bench-secret';

export async function benchColdAcquisition({ iterations = 1_000, rounds = 9 } = {}) {
  const idp = await startTokenServer();
  const app = await NestFactory.createApplicationContext(
    TokenModule.forRoot({ tokenUrl: idp.url, clientId: CLIENT_ID, clientSecret: CLIENT_SECRET }),
    { logger: false },
  );
  const manager = app.get(TokenManagerService);
  const raw = axios.create({ httpAgent: new Agent({ keepAlive: true }) });
  const basic = `Basic ${Buffer.from(`${encodeURIComponent(CLIENT_ID)}:${encodeURIComponent(CLIENT_SECRET)}`).toString('base64')}`;
  const baseline = async () => {
    const response = await raw.post(idp.url, new URLSearchParams({ grant_type: 'client_credentials' }).toString(), {
      headers: { Accept: 'application/json', 'Content-Type': 'application/x-www-form-urlencoded', Authorization: basic },
    });
    return response.data.access_token;
  };
  const subject = () => {
    manager.invalidate();
    return manager.getAccessToken();
  };
  const baselineRuns = [];
  const subjectRuns = [];
  await perToken(baseline, iterations / 2);
  await perToken(subject, iterations / 2);
  for (let round = 0; round < rounds; round += 1) {
    baselineRuns.push(await perToken(baseline, iterations));
    subjectRuns.push(await perToken(subject, iterations));
  }
  await app.close();
  await idp.close();
  const baselineNs = median(baselineRuns.map((run) => run.wallNs));
  const subjectNs = median(subjectRuns.map((run) => run.wallNs));
  const baselineCpuNs = median(baselineRuns.map((run) => run.cpuNs));
  const subjectCpuNs = median(subjectRuns.map((run) => run.cpuNs));
  return {
    baselineNs,
    subjectNs,
    ratio: subjectNs / baselineNs,
    baselineCpuNs,
    subjectCpuNs,
    cpuRatio: subjectCpuNs / baselineCpuNs,
    tokenRequests: idp.requests,
  };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const result = await benchColdAcquisition();
  console.log(JSON.stringify(result, null, 2));
}
