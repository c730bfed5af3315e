// Redis Cluster and Sentinel topologies on 127.0.0.1 for the fleet tests and bench/: every node a
// redis-server child process on free ports, without persistence, in a temporary folder; `stop()`
// ends every process and removes the folder. Plain JavaScript so bench/ (plain node) uses it too.
import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createConnection, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

async function freePort() {
  const server = createServer();
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();
  await new Promise((resolve) => server.close(resolve));
  return port;
}

function accepts(port) {
  return new Promise((resolve) => {
    const socket = createConnection({ port, host: '127.0.0.1' }, () => (socket.end(), resolve(true)));
    socket.once('error', () => resolve(false));
  });
}

/** `redis-cli -p port ...args` output. */
async function cli(port, ...args) {
  const { stdout } = await run('redis-cli', ['-h', '127.0.0.1', '-p', String(port), ...args]);
  return stdout;
}

async function waitFor(condition, what, timeoutMs = 30_000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition().catch(() => false))) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}

/** One redis-server process with `args`, resolved once it accepts connections. */
async function startNode(dir, port, args, acceptingPort = port) {
  const child = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir, ...args],
    {
      stdio: 'ignore',
    },
  );
  await waitFor(async () => {
    if (child.exitCode !== null) throw new Error(`redis-server exited on port ${port}`);
    return accepts(acceptingPort);
  }, `redis-server on port ${acceptingPort}`);
  return {
    port,
    child,
    kill: () => stopProcess(child, 'SIGKILL'),
    stop: () => stopProcess(child, 'SIGTERM'),
  };
}

function stopProcess(child, signal) {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill(signal);
  return exited;
}

/** One redis-server with extra `args` on a free port; an argument `{port}` takes that port and the plain port is then 0 (TLS only). */
export async function startRedisNode(args = []) {
  const dir = mkdtempSync(join(tmpdir(), 'ncc-redis-'));
  const chosen = await freePort();
  const withPort = args.map((arg) => (arg === '{port}' ? String(chosen) : arg));
  const node = await startNode(dir, args.includes('{port}') ? 0 : chosen, withPort, chosen);
  return {
    port: chosen,
    async stop() {
      await node.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * A cluster of `masters` masters with one replica each (`redis-cli --cluster create`), every node with
 * its own free `--cluster-port`, a 1 s node timeout so a killed master fails over within seconds.
 * `killMasterOf(key)` SIGKILLs the master serving `key`'s slot and resolves once its replica took over.
 */
export async function startRedisCluster({ masters = 3 } = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'ncc-cluster-'));
  const nodes = [];
  try {
    for (let index = 0; index < masters * 2; index++) {
      const port = await freePort();
      const busPort = await freePort();
      nodes.push(
        await startNode(dir, port, [
          '--cluster-enabled',
          'yes',
          '--cluster-config-file',
          `nodes-${port}.conf`,
          '--cluster-port',
          String(busPort),
          '--cluster-node-timeout',
          '1000',
          '--cluster-replica-validity-factor',
          '0',
        ]),
      );
    }
    await run('redis-cli', [
      '--cluster',
      'create',
      ...nodes.map((node) => `127.0.0.1:${node.port}`),
      '--cluster-replicas',
      '1',
      '--cluster-yes',
    ]);
    const healthy = async () => {
      for (const node of nodes) if (!(await cli(node.port, 'cluster', 'info')).includes('cluster_state:ok')) return false;
      // Every replica has synchronised with its master (a failover needs one).
      const replicas = (await cli(nodes[0].port, 'cluster', 'nodes')).split('\n').filter((line) => line.includes('slave'));
      return replicas.length === masters && replicas.every((line) => line.includes(' connected'));
    };
    await waitFor(healthy, 'a healthy cluster');
  } catch (error) {
    await Promise.all(nodes.map((node) => node.stop()));
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
  const live = () => nodes.filter((node) => node.child.exitCode === null && node.child.signalCode === null);
  return {
    nodes: nodes.map((node) => ({ host: '127.0.0.1', port: node.port })),
    /** SIGKILLs the master serving `key`, then waits until the cluster is ok again under a new master. */
    async killMasterOf(key) {
      const slot = Number((await cli(live()[0].port, 'cluster', 'keyslot', key)).trim());
      /** The port of the node a live node sees as the master of `slot`. */
      const masterOfSlot = async () => {
        const owner = (await cli(live()[0].port, 'cluster', 'nodes'))
          .split('\n')
          .map((line) => line.split(' '))
          .find(
            (fields) =>
              fields[2]?.includes('master') &&
              !fields[2].includes('fail') &&
              fields.slice(8).some((range) => {
                const [from, to = from] = range.split('-').map(Number);
                return slot >= from && slot <= to;
              }),
          );
        return owner === undefined ? undefined : Number(owner[1].split(':')[1].split('@')[0]);
      };
      const port = await masterOfSlot();
      await nodes.find((node) => node.port === port).kill();
      await waitFor(async () => {
        const promoted = await masterOfSlot();
        if (promoted === undefined || promoted === port) return false;
        for (const node of live()) if (!(await cli(node.port, 'cluster', 'info')).includes('cluster_state:ok')) return false;
        return true;
      }, 'the cluster to fail over');
      return port;
    },
    async stop() {
      await Promise.all(nodes.map((node) => node.stop()));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * A master, one replica and one Sentinel (quorum 1, master down after 1 s) monitoring it as `name`.
 * `killMaster()` SIGKILLs the master and resolves once Sentinel promoted the replica.
 */
export async function startRedisSentinel({ name = 'fleet-master' } = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'ncc-sentinel-'));
  const started = [];
  try {
    const master = await startNode(dir, await freePort(), []);
    started.push(master);
    const replica = await startNode(dir, await freePort(), ['--replicaof', '127.0.0.1', String(master.port)]);
    started.push(replica);
    await waitFor(async () => (await cli(replica.port, 'info', 'replication')).includes('master_link_status:up'), 'the replica to sync');
    const sentinelPort = await freePort();
    const config = join(dir, 'sentinel.conf');
    writeFileSync(
      config,
      [
        `port ${sentinelPort}`,
        'bind 127.0.0.1',
        `dir ${dir}`,
        `sentinel monitor ${name} 127.0.0.1 ${master.port} 1`,
        `sentinel down-after-milliseconds ${name} 1000`,
        `sentinel failover-timeout ${name} 10000`,
        '',
      ].join('\n'),
    );
    const sentinelChild = spawn('redis-server', [config, '--sentinel'], { stdio: 'ignore' });
    const sentinel = { port: sentinelPort, child: sentinelChild, stop: () => stopProcess(sentinelChild, 'SIGTERM') };
    started.push(sentinel);
    await waitFor(
      async () => (await cli(sentinelPort, 'sentinel', 'replicas', name)).includes(String(replica.port)),
      'Sentinel to discover the replica',
    );
    const masterPort = async () => Number((await cli(sentinelPort, 'sentinel', 'get-master-addr-by-name', name)).trim().split('\n')[1]);
    return {
      name,
      sentinels: [{ host: '127.0.0.1', port: sentinelPort }],
      async killMaster() {
        const current = await masterPort();
        await [master, replica].find((node) => node.port === current).kill();
        await waitFor(async () => (await masterPort()) !== current, 'Sentinel to promote the replica');
      },
      async stop() {
        await Promise.all(started.map((node) => node.stop()));
        rmSync(dir, { recursive: true, force: true });
      },
    };
  } catch (error) {
    await Promise.all(started.map((node) => node.stop()));
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
}
