import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import type { TestingModule } from '@nestjs/testing';
import { Redis, type RedisOptions } from 'ioredis';
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { createConnection } from 'node:net';
import { freePort } from './loopback.js';

/** Whether a `redis-server` binary is on PATH. */
export const hasRedisServer: boolean = (() => {
  try {
    execFileSync('redis-server', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

/** Shown when the binary is missing; CI machines have it, so there it is a failure. */
export const REDIS_SERVER_MISSING =
  'redis-server is not on PATH: the fleet tests need a real Redis. Install it (apt-get install redis-server, brew install redis) and run the tests again.';

/**
 * Defines the suite when redis-server is installed. Otherwise it defines one test in its place that
 * prints how to install it and passes only outside CI (CI machines have the binary, so there a
 * missing one is a failure, never a silently skipped suite).
 */
export function describeWithRedisServer(name: string, suite: () => void): void {
  if (hasRedisServer) {
    describe(name, suite);
    return;
  }
  describe(name, () => {
    it('needs redis-server on PATH (required in CI)', () => {
      process.stderr.write(`\n!!! ${REDIS_SERVER_MISSING} !!!\n\n`);
      expect(process.env.CI).not.toBe('true');
    });
  });
}

/**
 * An ioredis client for a test, with an `error` listener: without one, ioredis prints "[ioredis]
 * Unhandled error event" for the connection errors a test causes on purpose (pausing or killing
 * Redis). A failed command still rejects.
 */
export function testRedisClient(connection: string | RedisOptions): Redis {
  // ioredis's constructors take a `replyMapping` that is absent or set, never an explicit undefined (exactOptionalPropertyTypes).
  const client = typeof connection === 'string' ? new Redis(connection) : new Redis(connection as RedisOptions & { replyMapping?: never });
  client.on('error', () => undefined);
  return client;
}

/** What a suite on one redis-server works with; filled in by the hooks `useRedisServer` registers. */
export interface RedisSuite {
  redis: RedisServer;
  /** A client of its own, to look into and tamper with what the module stores. */
  admin: Redis;
  /** Nest applications the tests started; closed after each test. */
  readonly started: TestingModule[];
}

/**
 * Registers the hooks of a suite on one redis-server: started before all tests with an `admin`
 * client, every application in `started` closed after each test, both stopped after all.
 */
export function useRedisServer(): RedisSuite {
  const suite = { started: [] as TestingModule[] } as unknown as RedisSuite;
  beforeAll(async () => {
    suite.redis = await RedisServer.start();
    suite.admin = testRedisClient(suite.redis.url);
  }, 30_000);
  afterEach(async () => {
    await Promise.all(suite.started.splice(0).map((moduleRef) => moduleRef.close()));
  });
  afterAll(async () => {
    suite.admin?.disconnect();
    await suite.redis?.stop();
  });
  return suite;
}

/**
 * A throwaway redis-server on 127.0.0.1, without persistence, that the tests start, kill and restart
 * (on the same port, so clients reconnect to it).
 */
export class RedisServer {
  #process: ChildProcess | undefined;

  private constructor(readonly port: number) {}

  static async start(): Promise<RedisServer> {
    // Another process on this shared machine may take the free port first: then try another one.
    for (let attempt = 1; ; attempt++) {
      const server = new RedisServer(await freePort());
      try {
        await server.restart();
        return server;
      } catch (error) {
        await server.stop();
        if (attempt >= 5) throw error;
      }
    }
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  /**
   * Starts redis-server on this port and resolves when it accepts connections, once it is certain that
   * the server answering there is the one just started (not another process's, which would keep
   * accepting while ours exits with "address in use").
   */
  async restart(): Promise<void> {
    const child = spawn('redis-server', ['--port', String(this.port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], {
      stdio: 'ignore',
    });
    this.#process = child;
    const deadline = Date.now() + 10_000;
    while (!(await accepts(this.port))) {
      if (child.exitCode !== null || Date.now() > deadline) throw new Error(`redis-server did not start on port ${this.port}`);
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    if ((await answeringProcessId(this.port)) !== child.pid) throw new Error(`another server answers on port ${this.port}`);
  }

  /** SIGKILL, as a crash: no shutdown, data gone. Resolves when the process has exited. */
  async kill(): Promise<void> {
    await this.stopWith('SIGKILL');
  }

  async stop(): Promise<void> {
    await this.stopWith('SIGTERM');
  }

  private async stopWith(signal: NodeJS.Signals): Promise<void> {
    const child = this.#process;
    this.#process = undefined;
    if (child === undefined || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill(signal);
    await exited;
  }
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ port, host: '127.0.0.1' });
    socket.once('connect', () => {
      socket.end();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/** The `process_id` of the Redis server answering on `port` (INFO server), or undefined. */
async function answeringProcessId(port: number): Promise<number | undefined> {
  const probe = new Redis({ port, host: '127.0.0.1', lazyConnect: true, enableOfflineQueue: false, retryStrategy: () => null });
  try {
    await probe.connect();
    const pid = /process_id:(\d+)/.exec(await probe.info('server'))?.[1];
    return pid === undefined ? undefined : Number(pid);
  } catch {
    return undefined;
  } finally {
    probe.disconnect();
  }
}
