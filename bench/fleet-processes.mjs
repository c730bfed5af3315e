// The processes of the fleet benchmarks: fleet instances (test/support/fleet-worker.mjs on the built
// package) and a throwaway redis-server.
import { execFileSync, fork, spawn } from 'node:child_process';
import { createConnection, createServer } from 'node:net';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const WORKER = `${root}test/support/fleet-worker.mjs`;

/** A fleet process; `send` resolves with the worker's answer. */
export async function startWorker(settings) {
  const child = fork(WORKER, [], {
    env: { ...process.env, FLEET_LIB_DIR: `${root}dist/esm`, FLEET_WORKER_SETTINGS: JSON.stringify(settings) },
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
  });
  let nextId = 0;
  const pending = new Map();
  child.on('message', (message) => {
    pending.get(message.id)?.(message.result);
    pending.delete(message.id);
  });
  await new Promise((resolve) => child.once('message', resolve));
  return {
    send: (command, args = {}) =>
      new Promise((resolve) => {
        const id = nextId++;
        pending.set(id, resolve);
        child.send({ id, command, ...args });
      }),
    close: () =>
      new Promise((resolve) => {
        child.once('exit', resolve);
        child.send({ id: -1, command: 'close' });
      }),
  };
}

export async function freePort() {
  const server = createServer();
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** A throwaway redis-server, or undefined when the binary is missing. */
export async function startRedis() {
  try {
    execFileSync('redis-server', ['--version'], { stdio: 'ignore' });
  } catch {
    return undefined;
  }
  const port = await freePort();
  const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], {
    stdio: 'ignore',
  });
  const accepts = () =>
    new Promise((resolve) => {
      const socket = createConnection({ port, host: '127.0.0.1' }, () => (socket.end(), resolve(true)));
      socket.once('error', () => resolve(false));
    });
  while (!(await accepts())) await new Promise((resolve) => setTimeout(resolve, 25));
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    stop: () => new Promise((resolve) => (child.once('exit', resolve), child.kill('SIGTERM'))),
  };
}
