import { afterAll, afterEach, beforeAll } from '@jest/globals';
import { type ChildProcess, fork } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import ts from 'typescript';
import { RedisServer } from './redis-server.js';
import { TestIdp, type TestIdpOptions } from './test-idp.js';

const root = resolve('.');

/**
 * Transpiles lib/ to ESM in a private folder for the worker processes, so fleet tests never race
 * `npm run build` of other suites over dist/. Transpile-only (`isolatedModules` guarantees it is
 * the same output; `npm run typecheck` does the type checking) keeps it to a fraction of a second.
 * Returns the folder holding index.js and redis/index.js.
 */
export function buildLibForWorkers(): string {
  const outDir = join(root, '.tmp', `fleet-lib-${process.pid}`);
  rmSync(outDir, { recursive: true, force: true });
  const compilerOptions: ts.CompilerOptions = {
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.ES2022,
    experimentalDecorators: true,
    emitDecoratorMetadata: true,
    isolatedModules: true,
  };
  const libDir = join(root, 'lib');
  for (const file of readdirSync(libDir, { recursive: true, encoding: 'utf8' })) {
    if (!file.endsWith('.ts') || file.endsWith('.spec.ts')) continue;
    const { outputText } = ts.transpileModule(readFileSync(join(libDir, file), 'utf8'), { compilerOptions, fileName: file });
    const target = join(outDir, relative('.', file).replace(/\.ts$/, '.js'));
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, outputText);
  }
  writeFileSync(join(outDir, 'package.json'), '{ "type": "module" }\n');
  return outDir;
}

/** Removes what `buildLibForWorkers` wrote. */
export function removeLibForWorkers(outDir: string): void {
  rmSync(outDir, { recursive: true, force: true });
}

/** What one worker instance is configured with (see test/support/fleet-worker.mjs). */
export interface FleetWorkerSettings {
  tokenUrl: string;
  clientId: string;
  clientSecret: string;
  /** Without it (or `redis`) the instance has no store. */
  redisUrl?: string | undefined;
  /** The store's `redis` option when it is not a URL (a cluster, Sentinel, TLS or ACL options); wins over `redisUrl`. */
  redis?: Record<string, unknown>;
  /** The store's `notifyWaiters`. */
  notifyWaiters?: boolean;
  /** The store's `commandTimeoutMs`. */
  commandTimeoutMs?: number;
  keyPrefix?: string;
  encryptionKey?: string;
  /** Further TokenModule options (JSON-serialisable). */
  tokenOptions?: Record<string, unknown>;
}

/** The outcome of concurrent getAccessToken() calls in one worker. */
export interface BurstResult {
  ok: number;
  failed: number;
  tokens: string[];
  errors: string[];
}

/** One instance of the fleet: a child process running TokenModule with a RedisTokenStore. */
export class FleetWorker {
  #nextId = 0;
  readonly #pending = new Map<number, { resolve: (value: unknown) => void; reject: (error: Error) => void }>();

  private constructor(private readonly child: ChildProcess) {
    child.on('message', (message: { id?: number; result?: unknown; error?: string }) => {
      const pending = message.id === undefined ? undefined : this.#pending.get(message.id);
      if (pending === undefined) return;
      this.#pending.delete(message.id!);
      if (message.error !== undefined) pending.reject(new Error(message.error));
      else pending.resolve(message.result);
    });
    child.on('exit', () => {
      for (const pending of this.#pending.values()) pending.reject(new Error('worker exited'));
      this.#pending.clear();
    });
  }

  static start(libDir: string, settings: FleetWorkerSettings): Promise<FleetWorker> {
    const child = fork(join(root, 'test/support/fleet-worker.mjs'), [], {
      env: { ...process.env, NODE_OPTIONS: '', FLEET_LIB_DIR: libDir, FLEET_WORKER_SETTINGS: JSON.stringify(settings) },
      stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
    });
    return new Promise((resolvePromise, reject) => {
      child.once('message', () => resolvePromise(new FleetWorker(child)));
      child.once('exit', (code) => reject(new Error(`fleet worker exited during startup (code ${code})`)));
    });
  }

  send<T>(command: string, args: Record<string, unknown> = {}): Promise<T> {
    const id = this.#nextId++;
    return new Promise<T>((resolvePromise, reject) => {
      this.#pending.set(id, { resolve: resolvePromise as (value: unknown) => void, reject });
      this.child.send({ id, command, ...args });
    });
  }

  /** `callers` concurrent `getAccessToken(parameters)` calls in the worker. */
  burst(callers: number, parameters?: Record<string, unknown>): Promise<BurstResult> {
    return this.send<BurstResult>('burst', { callers, ...(parameters !== undefined ? { parameters } : {}) });
  }

  /** SIGKILL: the instance dies mid-whatever, releasing nothing. */
  async kill(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const exited = new Promise((resolvePromise) => this.child.once('exit', resolvePromise));
    this.child.kill('SIGKILL');
    await exited;
  }

  /** Closes the Nest application (and its Redis connection), then the process. */
  async close(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const exited = new Promise((resolvePromise) => this.child.once('exit', resolvePromise));
    await this.send('close').catch(() => undefined);
    await exited;
  }
}

export { waitUntil } from './wait-until.js';

/** The client every fleet instance uses. */
export const FLEET_CLIENT = { clientId: 'fleet-client', clientSecret: 'fleet-secret-value-5678' };

/** What a fleet suite works with; filled in by the hooks `useFleetEnvironment` registers. */
export interface FleetEnvironment {
  idp: TestIdp;
  redis: RedisServer;
  /** Starts `count` instances of FLEET_CLIENT on the shared Redis; they are closed after each test. */
  startFleet(count: number, keyPrefix: string, extra?: Partial<FleetWorkerSettings>): Promise<FleetWorker[]>;
}

/**
 * Registers the hooks of a fleet suite: one oidc-provider (with `idpOptions`, FLEET_CLIENT by default)
 * and one redis-server for the suite, the worker build, and closing every instance (and resetting the
 * IdP) after each test.
 */
export function useFleetEnvironment(idpOptions: TestIdpOptions = { clients: [FLEET_CLIENT] }): FleetEnvironment {
  let libDir: string | undefined;
  let workers: FleetWorker[] = [];
  const environment = {
    startFleet: async (count, keyPrefix, extra = {}) => {
      const started = await Promise.all(
        Array.from({ length: count }, () =>
          FleetWorker.start(libDir!, {
            tokenUrl: environment.idp.tokenUrl,
            ...FLEET_CLIENT,
            redisUrl: environment.redis.url,
            keyPrefix,
            ...extra,
          }),
        ),
      );
      workers.push(...started);
      return started;
    },
  } as FleetEnvironment;

  beforeAll(async () => {
    libDir = buildLibForWorkers();
    [environment.idp, environment.redis] = await Promise.all([TestIdp.start(idpOptions), RedisServer.start()]);
  }, 60_000);
  afterEach(async () => {
    await Promise.all(workers.map((worker) => worker.close()));
    workers = [];
    environment.idp.tokenRequests = 0;
    environment.idp.delayMs = 0;
  });
  afterAll(async () => {
    await Promise.all([environment.idp?.stop(), environment.redis?.stop()]);
    if (libDir !== undefined) removeLibForWorkers(libDir);
  });
  return environment;
}

/** Every token the callers of these bursts received. */
export const tokensOf = (results: BurstResult[]): Set<string> => new Set(results.flatMap((result) => result.tokens));
/** How many calls of these bursts failed. */
export const failuresOf = (results: BurstResult[]): number => results.reduce((sum, result) => sum + result.failed, 0);
