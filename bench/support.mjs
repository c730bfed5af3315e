// Shared helpers of the benchmark scripts (plain Node ESM against the built package in dist/esm).
import 'reflect-metadata';
import { createServer } from 'node:http';

/** A local token endpoint answering every request with a fresh opaque token; counts requests. */
export async function startTokenServer({ delayMs = 0, expiresIn = 3600 } = {}) {
  let requests = 0;
  const server = createServer((request, response) => {
    request.resume();
    request.on('end', () => {
      requests += 1;
      const reply = () => {
        response.writeHead(200, { 'content-type': 'application/json' });
        response.end(JSON.stringify({ access_token: `bench-token-${requests}`, token_type: 'Bearer', expires_in: expiresIn }));
      };
      if (state.delayMs > 0) setTimeout(reply, state.delayMs);
      else reply();
    });
  });
  const state = { delayMs };
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${server.address().port}/token`;
  return {
    url,
    state,
    get requests() {
      return requests;
    },
    close: () => new Promise((resolve) => (server.closeAllConnections(), server.close(resolve))),
  };
}

/** Median of the values. */
export function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

/** Average nanoseconds per awaited call of `fn`, over `iterations`. */
export async function nsPerOp(fn, iterations) {
  const start = process.hrtime.bigint();
  for (let i = 0; i < iterations; i += 1) await fn();
  return Number(process.hrtime.bigint() - start) / iterations;
}
