// Cost of a new token through the manager (no cached token: invalidate(), then getAccessToken())
// against a raw keep-alive axios POST of the same form (client_secret_basic, grant_type, Accept JSON)
// to the same local token endpoint, alternating rounds in one process. Target: at most 1.10×.
import axios from 'axios';
import { Agent } from 'node:http';
import { NestFactory } from '@nestjs/core';
import { TokenManagerService, TokenModule } from '../dist/esm/index.js';
import { median, nsPerOp, startTokenServer } from './support.mjs';

const CLIENT_ID = 'bench';
const CLIENT_SECRET = 'bench-secret';

export async function benchColdAcquisition({ iterations = 2_000, rounds = 9 } = {}) {
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
  await nsPerOp(baseline, iterations / 2);
  await nsPerOp(subject, iterations / 2);
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
  const result = await benchColdAcquisition();
  console.log(JSON.stringify(result, null, 2));
}
