// Unary gRPC calls per second with the token, against the same calls carrying a static `authorization`
// metadata: same run, same local server, balanced rounds, medians. Plaintext: the token interceptor;
// TLS: the call credentials. Target: ratio (token / static) at least 0.97 for each.
import { credentials, InterceptingCall, makeGenericClientConstructor, Metadata, Server, ServerCredentials, status } from '@grpc/grpc-js';
import { NestFactory } from '@nestjs/core';
import { readFileSync } from 'node:fs';
import { TokenManagerService, TokenModule } from '../dist/esm/index.js';
import { createGrpcCallCredentials, createGrpcTokenInterceptor } from '../dist/esm/grpc/index.js';
import { balancedRounds, median, startTokenServer, summarizeRounds } from './support.mjs';

const bytes = (value) => value;
const SERVICE = {
  ping: {
    path: '/bench.Bench/Ping',
    requestStream: false,
    responseStream: false,
    requestSerialize: bytes,
    requestDeserialize: bytes,
    responseSerialize: bytes,
    responseDeserialize: bytes,
  },
};
const BenchClient = makeGenericClientConstructor(SERVICE, 'Bench');
const REQUEST = Buffer.from('{"id":"order-1"}');
const REPLY = Buffer.from('{"id":"order-1","items":[1,2,3]}');
const TLS = {
  cert: readFileSync(new URL('../test/support/fixtures/test-tls.cert.pem', import.meta.url)),
  key: readFileSync(new URL('../test/support/fixtures/test-tls.key.pem', import.meta.url)),
};
// The certificate names 127.0.0.1 and localhost; TLS forbids an IP address as server name.
const TLS_CLIENT_OPTIONS = { 'grpc.ssl_target_name_override': 'localhost' };

/** A server answering every call that carries one `authorization` value; counts the others. */
async function startServer(serverCredentials) {
  const counts = { calls: 0, refused: 0 };
  const server = new Server();
  server.addService(SERVICE, {
    ping: (call, callback) => {
      counts.calls += 1;
      if (call.metadata.get('authorization').length === 1) return callback(null, REPLY);
      counts.refused += 1;
      callback({ code: status.UNAUTHENTICATED, details: 'no token' });
    },
  });
  const port = await new Promise((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', serverCredentials, (error, bound) => (error ? reject(error) : resolve(bound))),
  );
  return { target: `127.0.0.1:${port}`, counts, close: () => server.forceShutdown() };
}

/** Any interceptor's own cost: one that adds the static metadata to a copy of the caller's, as ours adds the token. */
const staticMetadataInterceptor = (options, nextCall) =>
  new InterceptingCall(nextCall(options), {
    start: (metadata, listener, next) => {
      const copy = metadata.clone();
      copy.set('authorization', 'Bearer static-benchmark-token');
      next(copy, listener);
    },
  });

const ping = (client, metadata) =>
  new Promise((resolve, reject) => {
    const done = (error, reply) => (error ? reject(error) : resolve(reply));
    if (metadata === undefined) client.ping(REQUEST, done);
    else client.ping(REQUEST, metadata, done);
  });

/**
 * Every subject runs once per round, the order rotating and every other round reversed; each window
 * starts after a full garbage collection. A ratio is the median of the per-round ratios of a subject
 * to its own baseline (same channel kind), robust to load drifting during the run.
 */
export async function benchGrpc({ total = 2000, concurrency = 16, rounds = 10 } = {}) {
  const idp = await startTokenServer();
  const plaintext = await startServer(ServerCredentials.createInsecure());
  const secure = await startServer(ServerCredentials.createSsl(null, [{ cert_chain: TLS.cert, private_key: TLS.key }], false));
  const app = await NestFactory.createApplicationContext(
    TokenModule.forRoot({ tokenUrl: idp.url, clientId: 'bench', clientSecret: 'bench-secret' }),
    { logger: false },
  );
  const tokens = app.get(TokenManagerService);
  const staticMetadata = new Metadata();
  staticMetadata.set('authorization', 'Bearer static-benchmark-token');
  const tls = () => credentials.createSsl(TLS.cert);
  const clients = {
    staticPlaintext: new BenchClient(plaintext.target, credentials.createInsecure()),
    staticInterceptor: new BenchClient(plaintext.target, credentials.createInsecure(), { interceptors: [staticMetadataInterceptor] }),
    interceptor: new BenchClient(plaintext.target, credentials.createInsecure(), { interceptors: [createGrpcTokenInterceptor(tokens)] }),
    staticTls: new BenchClient(secure.target, tls(), TLS_CLIENT_OPTIONS),
    callCredentials: new BenchClient(
      secure.target,
      credentials.combineChannelCredentials(tls(), createGrpcCallCredentials(tokens)),
      TLS_CLIENT_OPTIONS,
    ),
  };
  const subjects = {
    staticPlaintext: () => ping(clients.staticPlaintext, staticMetadata),
    staticInterceptor: () => ping(clients.staticInterceptor),
    interceptor: () => ping(clients.interceptor),
    staticTls: () => ping(clients.staticTls, staticMetadata),
    callCredentials: () => ping(clients.callCredentials),
  };
  const baselineOf = {
    staticPlaintext: 'staticPlaintext',
    staticInterceptor: 'staticPlaintext',
    interceptor: 'staticPlaintext',
    staticTls: 'staticTls',
    callCredentials: 'staticTls',
  };
  const runs = await balancedRounds(subjects, { total, concurrency, rounds });
  for (const client of Object.values(clients)) client.close();
  await app.close();
  plaintext.close();
  secure.close();
  await idp.close();

  const { wall, cpu } = summarizeRounds(runs, baselineOf);
  const overStaticInterceptor = median(runs.interceptor.map((run, round) => run.wall / runs.staticInterceptor[round].wall));
  return {
    overStaticInterceptor,
    wall,
    cpu,
    baselineOf,
    tokenRequests: idp.requests,
    refused: plaintext.counts.refused + secure.counts.refused,
  };
}

export function grpcMarkdown(result) {
  const fixed = (n, digits) => n.toFixed(digits);
  return [
    '## gRPC unary calls with the token',
    '',
    'Against the same unary calls carrying a static `authorization` metadata, same local grpc-js server, balanced ' +
      'rounds of 2,000 calls (16 in flight), each after a full garbage collection; medians, ratio = median of per-round ' +
      'ratios to the baseline on the same kind of channel; by wall clock and per CPU-second of the process.',
    '',
    '| client | channel | calls/s | × static | calls per CPU-second | × static (CPU) |',
    '| --- | --- | ---: | ---: | ---: | ---: |',
    ...Object.keys(result.wall).map(
      (name) =>
        `| ${name} | ${result.baselineOf[name] === 'staticTls' ? 'TLS' : 'plaintext'} | ${fixed(result.wall[name].rps, 0)} | ${fixed(result.wall[name].ratio, 3)} | ${fixed(result.cpu[name].rps, 0)} | ${fixed(result.cpu[name].ratio, 3)} |`,
    ),
    '',
    `Target: interceptor and callCredentials ≥ 0.97× static. staticInterceptor adds the static metadata through an ` +
      `interceptor of its own: what any grpc-js interceptor costs; interceptor over staticInterceptor (same rounds): ` +
      `${fixed(result.overStaticInterceptor, 3)}×. Token requests: ${result.tokenRequests}; calls refused: ${result.refused}.`,
  ].join('\n');
}

if (import.meta.url === `file://${process.argv[1]}`) console.log(grpcMarkdown(await benchGrpc()));
