// Cost of a cached getAccessToken({ resource, scope }) (the entry found from a small parameter object)
// against the plain cached getAccessToken() in the same run. Target: at most 1.5×.
import { NestFactory } from '@nestjs/core';
import { TokenManagerService, TokenModule } from '../dist/esm/index.js';
import { median, nsPerOp, startTokenServer } from './support.mjs';

export async function benchParameterisedToken({ iterations = 1_000_000, rounds = 7 } = {}) {
  const idp = await startTokenServer();
  const app = await NestFactory.createApplicationContext(
    TokenModule.forRoot({ tokenUrl: idp.url, clientId: 'bench', clientSecret: 'bench-secret' }),
    { logger: false },
  );
  const manager = app.get(TokenManagerService);
  await manager.getAccessToken();
  await manager.getAccessToken({ resource: 'https://orders.example.com', scope: 'orders:read' });
  const plain = () => manager.getAccessToken();
  // A new object per call, as an application writes it inline.
  const parameterised = () => manager.getAccessToken({ resource: 'https://orders.example.com', scope: 'orders:read' });
  const plainRuns = [];
  const parameterisedRuns = [];
  await nsPerOp(plain, iterations / 4);
  await nsPerOp(parameterised, iterations / 4);
  for (let round = 0; round < rounds; round += 1) {
    plainRuns.push(await nsPerOp(plain, iterations));
    parameterisedRuns.push(await nsPerOp(parameterised, iterations));
  }
  await app.close();
  await idp.close();
  const plainNs = median(plainRuns);
  const parameterisedNs = median(parameterisedRuns);
  return { plainNs, parameterisedNs, ratio: parameterisedNs / plainNs, tokenRequests: idp.requests };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const result = await benchParameterisedToken();
  console.log(JSON.stringify(result, null, 2));
}
