import { Logger } from '@nestjs/common';
import type { Cluster, Redis } from 'ioredis';
import { inspect } from 'node:util';
import { TokenConfigError, type TokenConfigProblem } from '../errors/token-config.error.js';
import { TokenStoreError } from '../errors/token-store.error.js';
import { withDeadline } from '../internal/with-deadline.js';
import { RateLimitedLog } from '../internal/rate-limited-log.js';
import { sha256Hex } from '../internal/sha256.js';
import { pickStoredToken, type StoredToken, type TokenStore, type TokenStoreWatch } from '../core/token-store.interface.js';
import { createClient, isRedisClient, understandConnection } from './redis-connection.js';
import {
  CLAIM_SHARED_SECRET,
  DELETE_TOKEN_IF_DIGEST,
  EXTEND_IF_EQUAL,
  RELEASE_LEASE_AND_PUBLISH,
  SET_AND_PUBLISH,
} from './redis-scripts.js';
import { RedisTokenNotifications } from './redis-token-notifications.js';
import type { RedisTokenStoreOptions } from './redis-token-store-options.interface.js';
import { TokenCipher, type TokenEncryptionKey } from './token-cipher.js';

const DEFAULT_KEY_PREFIX = 'nestjs-client-credentials:';
const DEFAULT_COMMAND_TIMEOUT_MS = 500;
/** Statuses in which ioredis is still making its first connection: commands wait for `ready`. */
const FIRST_CONNECT_STATUSES = new Set(['wait', 'connecting', 'connect']);

/**
 * A `TokenStore` on Redis (ioredis): one token per client for a whole fleet.
 *
 * Key names are `<prefix>{<fingerprint>}:token`, `<prefix>{<fingerprint>}:lease` and, for a generated
 * DPoP key the fleet shares, `<prefix>{<fingerprint>}:shared-secret`; the fingerprint is a SHA-256 hash,
 * never a client id or a secret. The braces are a Redis Cluster hash tag: every key of one client lives
 * in one hash slot, so a script over several of them stays cluster-safe. After storing a token or
 * releasing the lease, the store publishes on `<prefix>{<fingerprint>}:changes`, which wakes the
 * instances waiting for it (`watchToken`); polling covers a missed message. A token value is `<sha256 of the token>.<payload>`: the digest lets a Lua
 * script compare-and-delete a rejected token without reading the token itself. The payload, and a
 * shared secret, are AES-256-GCM encrypted when `encryptionKey` is set.
 *
 * Every command has a deadline (`commandTimeoutMs`); errors reject the command (the manager then
 * fetches locally) and ioredis `error` events are logged at most every 30 s, never thrown.
 */
export class RedisTokenStore implements TokenStore {
  private readonly logger = new Logger('RedisTokenStore');
  readonly #redis: Redis | Cluster;
  readonly #notifications: RedisTokenNotifications | undefined;
  readonly #ownsClient: boolean;
  readonly #keyPrefix: string;
  readonly #commandTimeoutMs: number;
  readonly #cipher: TokenCipher;
  readonly #connectionLog = new RateLimitedLog(this.logger);
  readonly #unreadableLog = new RateLimitedLog(this.logger);
  readonly #onError = (error: Error) => this.#connectionLog.warn(`Redis connection error: ${error.message}`);
  /** `single server`, `sentinel` or `cluster`; `client` for a client passed in (`cluster` when it is one). */
  readonly #shape: string;
  #warnedSecretInClear = false;

  /** @throws TokenConfigError listing every invalid option. */
  constructor(options: RedisTokenStoreOptions) {
    const problems: TokenConfigProblem[] = [];
    const {
      redis,
      keyPrefix = DEFAULT_KEY_PREFIX,
      commandTimeoutMs = DEFAULT_COMMAND_TIMEOUT_MS,
      encryptionKey,
      notifyWaiters = true,
    } = options ?? ({} as RedisTokenStoreOptions);
    const connection = understandConnection(redis);
    if (connection.shape === 'refused') problems.push({ field: 'redis', message: connection.problem });
    if (notifyWaiters !== undefined && typeof notifyWaiters !== 'boolean')
      problems.push({ field: 'notifyWaiters', message: 'must be a boolean' });
    if (typeof keyPrefix !== 'string') problems.push({ field: 'keyPrefix', message: 'must be a string' });
    if (typeof commandTimeoutMs !== 'number' || !Number.isFinite(commandTimeoutMs) || commandTimeoutMs < 1) {
      problems.push({ field: 'commandTimeoutMs', message: 'must be a number of milliseconds, at least 1' });
    }
    let cipher: TokenCipher | undefined;
    try {
      const keys =
        encryptionKey === undefined
          ? []
          : Array.isArray(encryptionKey)
            ? (encryptionKey as TokenEncryptionKey[])
            : [encryptionKey as TokenEncryptionKey];
      cipher = new TokenCipher(keys);
    } catch (error) {
      problems.push({ field: 'encryptionKey', message: `${(error as Error).message} (a Buffer or a base64 string of 32 bytes)` });
    }
    if (problems.length > 0) throw new TokenConfigError(problems, 'RedisTokenStore options');

    this.#keyPrefix = keyPrefix;
    this.#commandTimeoutMs = commandTimeoutMs;
    this.#cipher = cipher!;
    this.#ownsClient = !isRedisClient(redis);
    this.#shape =
      connection.shape === 'url' ? 'single server' : (redis as Partial<Cluster>).isCluster === true ? 'cluster' : connection.shape;
    this.#redis = isRedisClient(redis) ? redis : createClient(redis, commandTimeoutMs);
    this.#redis.on('error', this.#onError);
    this.#notifications = notifyWaiters ? new RedisTokenNotifications(this.#redis, this.#onError) : undefined;
  }

  async get(key: string): Promise<StoredToken | undefined> {
    const name = this.tokenKeyName(key);
    const value = await this.run(() => this.#redis.get(name));
    if (value === null) return undefined;
    const separator = value.indexOf('.');
    const payload = separator < 0 ? undefined : this.#cipher.open(value.slice(separator + 1), name);
    const token = payload === undefined ? undefined : parseStoredToken(payload);
    if (token === undefined) {
      this.#unreadableLog.warn(
        'A stored token could not be read (encrypted with a key not configured here, or not written by this package); treated as absent',
      );
    }
    return token;
  }

  async set(key: string, token: StoredToken, ttlMs: number): Promise<void> {
    const name = this.tokenKeyName(key);
    const payload = this.#cipher.seal(JSON.stringify(pickStoredToken(token)), name);
    const value = `${sha256Hex(token.accessToken)}.${payload}`;
    await this.run(() => this.#redis.eval(SET_AND_PUBLISH, 1, name, value, Math.max(1, Math.ceil(ttlMs)), this.changesChannel(key)));
  }

  async deleteIfEqual(key: string, accessToken: string): Promise<boolean> {
    const deleted = await this.run(() => this.#redis.eval(DELETE_TOKEN_IF_DIGEST, 1, this.tokenKeyName(key), `${sha256Hex(accessToken)}.`));
    return deleted === 1;
  }

  async acquireLease(key: string, ownerId: string, ttlMs: number): Promise<boolean> {
    const answer = await this.run(() => this.#redis.set(this.leaseKeyName(key), ownerId, 'PX', Math.max(1, Math.ceil(ttlMs)), 'NX'));
    return answer === 'OK';
  }

  async releaseLease(key: string, ownerId: string): Promise<boolean> {
    const released = await this.run(() =>
      this.#redis.eval(RELEASE_LEASE_AND_PUBLISH, 1, this.leaseKeyName(key), ownerId, this.changesChannel(key)),
    );
    return released === 1;
  }

  /** Notifications on `<prefix>{<fingerprint>}:changes`, through a subscriber connection of the store's own. */
  watchToken(key: string, onChange: (change: 'stored' | 'active') => void): TokenStoreWatch {
    return this.#notifications?.watch(this.changesChannel(key), onChange) ?? { active: false, stop: () => undefined };
  }

  /**
   * Put-if-absent in one Lua script, then a value held already (another process's, or the candidate
   * itself when a running process re-offers its key) has its expiry extended (compare-and-expire, so a
   * value replaced meanwhile is left alone). The whole exchange, connection included, runs under
   * one `commandTimeoutMs` deadline. A value no configured key opens resolves `undefined` and is not
   * extended, so it expires by itself.
   */
  async claimSharedSecret(key: string, candidate: string, ttlMs: number): Promise<string | undefined> {
    const name = this.sharedSecretKeyName(key);
    const px = Math.max(1, Math.ceil(ttlMs));
    if (!this.#cipher.encrypts && !this.#warnedSecretInClear) {
      this.#warnedSecretInClear = true;
      this.logger.warn(
        "Sharing a DPoP private key through Redis without encryptionKey: it is stored in clear, so whoever reads Redis can use the fleet's tokens; set encryptionKey",
      );
    }
    return this.run(async () => {
      const [written, stored] = (await this.#redis.eval(CLAIM_SHARED_SECRET, 1, name, this.#cipher.seal(candidate, name), px)) as [
        number,
        string,
      ];
      const secret = this.#cipher.open(stored, name);
      // A value held already is extended even when it is the candidate: that is how a running process keeps it alive.
      if (secret !== undefined && written !== 1) await this.#redis.eval(EXTEND_IF_EQUAL, 1, name, stored, px);
      return secret;
    });
  }

  /**
   * Closes the client the store created; a client passed in stays open (it is yours), and our `error`
   * listener leaves it. The client we close keeps a silent listener: a handshake command that times
   * out after the close is still emitted as `error`, which ioredis would print as "Unhandled error event".
   */
  async close(): Promise<void> {
    await this.#notifications?.close();
    this.#redis.off('error', this.#onError);
    if (!this.#ownsClient) return;
    this.#redis.on('error', ignoreErrorAfterClose);
    if (this.#redis.status === 'ready') await this.withDeadline(this.#redis.quit()).catch(() => undefined);
    this.#redis.disconnect();
  }

  private tokenKeyName(key: string): string {
    return `${this.#keyPrefix}{${key}}:token`;
  }

  private leaseKeyName(key: string): string {
    return `${this.#keyPrefix}{${key}}:lease`;
  }

  private sharedSecretKeyName(key: string): string {
    return `${this.#keyPrefix}{${key}}:shared-secret`;
  }

  private changesChannel(key: string): string {
    return `${this.#keyPrefix}{${key}}:changes`;
  }

  /** Runs a command under the deadline; during the first connection, waits (within the same deadline) for `ready`. */
  private run<T>(command: () => Promise<T>): Promise<T> {
    if (!FIRST_CONNECT_STATUSES.has(this.#redis.status)) return this.withDeadline(command());
    if (this.#redis.status === 'wait') this.#redis.connect().catch(() => undefined);
    return this.withDeadline(this.whenReady().then(command));
  }

  /** Settles when the first connection is ready or has failed (the command then fails fast). */
  private whenReady(): Promise<void> {
    return new Promise((resolve) => {
      const events = ['ready', 'close', 'end'] as const;
      const settle = () => {
        for (const event of events) this.#redis.off(event, settle);
        resolve();
      };
      for (const event of events) this.#redis.once(event, settle);
    });
  }

  private withDeadline<T>(operation: Promise<T>): Promise<T> {
    return withDeadline(
      operation,
      this.#commandTimeoutMs,
      () => new TokenStoreError(`Redis command timed out after ${this.#commandTimeoutMs} ms`),
    );
  }

  toJSON(): Record<string, unknown> {
    return {
      store: 'redis',
      shape: this.#shape,
      keyPrefix: this.#keyPrefix,
      encrypted: this.#cipher.encrypts,
      status: this.#redis.status,
    };
  }

  [inspect.custom](): string {
    return `RedisTokenStore ${inspect(this.toJSON())}`;
  }
}

function ignoreErrorAfterClose(): void {
  // The store is closed: nobody waits on this connection any more.
}

/** A stored token payload, or `undefined` when it is not one this package wrote. */
function parseStoredToken(payload: string): StoredToken | undefined {
  try {
    const value = JSON.parse(payload) as Partial<StoredToken>;
    const valid =
      typeof value.accessToken === 'string' &&
      typeof value.tokenType === 'string' &&
      typeof value.expiresInSeconds === 'number' &&
      typeof value.obtainedAtMs === 'number' &&
      (value.scope === undefined || typeof value.scope === 'string');
    if (!valid) return undefined;
    return pickStoredToken({ ...(value as StoredToken), expiresInDefaulted: value.expiresInDefaulted === true });
  } catch {
    return undefined;
  }
}
