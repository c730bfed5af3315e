import { HttpService } from '@nestjs/axios';
import { Inject, Injectable, type INestApplicationContext, type OnApplicationShutdown } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { TokenConfigError } from '../errors/token-config.error.js';
import { TokenManagerService } from '../manager/token-manager.service.js';
import type { TokenModuleOptions } from '../options/token-module-options.interface.js';
import { TokenModule } from '../token.module.js';
import { validateTokenOptions } from '../validation/validate-token-options.js';
import type { ResolvedTokenClientsOptions, TokenClientOptionsFactory } from './token-clients-options.interface.js';
import { TOKEN_CLIENTS_OPTIONS } from './token-clients.providers.js';

/** One runtime client: its own `TokenModule` application context, created once. */
interface RuntimeClient {
  readonly context: Promise<INestApplicationContext>;
  lastUsedMs: number;
}

/**
 * Token clients created at runtime, by key (a tenant id): `get(key, factory)` returns the client's
 * `TokenManagerService`, creating it from `factory` on first use (concurrent first calls share one
 * creation). Each client is a `TokenModule.forRoot(options)` of its own — the same manager, events, DPoP,
 * fleet store and authorized `HttpService` (`http(key, factory)`) as a static registration — validated the
 * same way, with a `TokenConfigError` naming the key. At most `maxClients` are kept; the least recently used
 * one, and any unused for `idleTimeoutMs`, is closed (its refreshes, timers and store stopped), and created
 * again if its key comes back. Application shutdown closes them all.
 */
@Injectable()
export class TokenClients implements OnApplicationShutdown {
  readonly #clients = new Map<string, RuntimeClient>();
  #idleSweep: NodeJS.Timeout | undefined;
  #closed = false;

  constructor(@Inject(TOKEN_CLIENTS_OPTIONS) private readonly options: ResolvedTokenClientsOptions) {}

  /** The token manager of `key`, created from `factory` (or the module's) on first use. */
  async get(key: string, factory?: TokenClientOptionsFactory): Promise<TokenManagerService> {
    return (await this.client(key, factory)).get(TokenManagerService);
  }

  /** The authorized `HttpService` of `key` (the client's `http` options), created like `get`. */
  async http(key: string, factory?: TokenClientOptionsFactory): Promise<HttpService> {
    return (await this.client(key, factory)).get(HttpService);
  }

  /** How many clients are held (created or being created). */
  get size(): number {
    return this.#clients.size;
  }

  /** Closes the client of `key`, if held; a later `get(key)` creates it again. */
  async evict(key: string): Promise<void> {
    const client = this.#clients.get(key);
    if (client === undefined) return;
    this.#clients.delete(key);
    if (this.#clients.size === 0) this.stopIdleSweep();
    await closeQuietly(client);
  }

  /** Closes every client. */
  async onApplicationShutdown(): Promise<void> {
    this.#closed = true;
    this.stopIdleSweep();
    const clients = [...this.#clients.values()];
    this.#clients.clear();
    await Promise.all(clients.map(closeQuietly));
  }

  private client(key: string, factory: TokenClientOptionsFactory | undefined): Promise<INestApplicationContext> {
    if (typeof key !== 'string' || key === '')
      return Promise.reject(new TokenConfigError([{ field: 'key', message: 'must be a non-empty string' }], 'token client key'));
    if (this.#closed)
      return Promise.reject(
        new TokenConfigError([{ field: 'key', message: 'the application is shutting down' }], `token client ${JSON.stringify(key)}`),
      );
    const held = this.#clients.get(key);
    if (held !== undefined) {
      held.lastUsedMs = Date.now();
      return held.context;
    }
    const optionsFactory = factory ?? this.options.factory;
    if (optionsFactory === undefined) {
      return Promise.reject(
        new TokenConfigError(
          [{ field: 'factory', message: 'no factory given to get() nor to TokenClientsModule.forRoot()' }],
          `token client ${JSON.stringify(key)}`,
        ),
      );
    }
    if (this.#clients.size >= this.options.maxClients) void this.evictLeastRecentlyUsed();
    const client: RuntimeClient = { context: createClient(key, optionsFactory), lastUsedMs: Date.now() };
    this.#clients.set(key, client);
    // A client that fails to start is forgotten, so the next call tries again.
    client.context.catch(() => {
      if (this.#clients.get(key) === client) this.#clients.delete(key);
    });
    this.startIdleSweep();
    return client.context;
  }

  private evictLeastRecentlyUsed(): Promise<void> {
    let oldest: string | undefined;
    let oldestMs = Number.POSITIVE_INFINITY;
    for (const [key, client] of this.#clients) {
      if (client.lastUsedMs < oldestMs) [oldest, oldestMs] = [key, client.lastUsedMs];
    }
    return oldest === undefined ? Promise.resolve() : this.evict(oldest);
  }

  /** One unref'd timer for all clients, while any is held: it never keeps the process alive. */
  private startIdleSweep(): void {
    const { idleTimeoutMs } = this.options;
    if (idleTimeoutMs === 0 || this.#idleSweep !== undefined) return;
    this.#idleSweep = setInterval(
      () => {
        const idleSinceMs = Date.now() - idleTimeoutMs;
        for (const [key, client] of this.#clients) if (client.lastUsedMs <= idleSinceMs) void this.evict(key);
      },
      Math.max(1, Math.ceil(idleTimeoutMs / 2)),
    );
    this.#idleSweep.unref();
  }

  private stopIdleSweep(): void {
    clearInterval(this.#idleSweep);
    this.#idleSweep = undefined;
  }
}

/** A `TokenModule` context for `key`; invalid options fail with a `TokenConfigError` that names the key (never a value). */
async function createClient(key: string, factory: TokenClientOptionsFactory): Promise<INestApplicationContext> {
  const options: TokenModuleOptions = await factory(key);
  try {
    // Checked here first, as forRoot checks them, so a bad tenant is reported once, by its caller's rejection.
    validateTokenOptions(options);
    // abortOnError: false, so a bad tenant fails its callers instead of exiting the process.
    return await NestFactory.createApplicationContext(TokenModule.forRoot(options), { abortOnError: false });
  } catch (error) {
    if (error instanceof TokenConfigError) throw new TokenConfigError(error.problems, `options of token client ${JSON.stringify(key)}`);
    throw error;
  }
}

async function closeQuietly(client: RuntimeClient): Promise<void> {
  const context = await client.context.catch(() => undefined);
  await context?.close().catch(() => undefined);
}
