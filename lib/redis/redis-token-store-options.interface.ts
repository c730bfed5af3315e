import type { RedisConnection } from './redis-connection.js';
import type { TokenEncryptionKey } from './token-cipher.js';

/** Options of `new RedisTokenStore(...)`. */
export interface RedisTokenStoreOptions {
  /**
   * The Redis connection, in one of three explicit shapes (anything ambiguous is refused with a
   * `TokenConfigError` naming the shape understood):
   * - a single server: a `redis://` or `rediss://` (TLS) URL, or ioredis options with `host`/`port`/`path`;
   * - a cluster: `{ cluster: [nodes], options? }`;
   * - Sentinel: ioredis options with `sentinels` and `name`;
   *
   * from which the store creates a client with fail-fast defaults and closes it with the module; or an
   * ioredis `Redis` or `Cluster` client you own (the store never closes it; give it
   * `enableOfflineQueue: false` so commands fail fast while Redis is down).
   */
  redis: RedisConnection;
  /** Prefix of every key the store writes, default `nestjs-client-credentials:`. */
  keyPrefix?: string | undefined;
  /** Deadline of one Redis command in milliseconds, default 500. Past it the manager fetches locally. */
  commandTimeoutMs?: number | undefined;
  /**
   * AES-256-GCM key(s) for tokens at rest: 32 bytes each, as a Buffer or a base64 string. With a
   * list, the first key encrypts and every key decrypts (key rotation). Without a key, tokens are
   * stored in clear.
   */
  encryptionKey?: TokenEncryptionKey | readonly TokenEncryptionKey[] | undefined;
  /**
   * Whether instances waiting for another's token are woken by pub/sub on
   * `<prefix>{<fingerprint>}:changes` (one subscriber connection per store), default true. Without it,
   * or where pub/sub is refused (an ACL without channel rights), they poll (20 ms doubling to 250 ms).
   */
  notifyWaiters?: boolean | undefined;
}
