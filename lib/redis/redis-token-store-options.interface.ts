import type { Redis, RedisOptions } from 'ioredis';
import type { TokenEncryptionKey } from './token-cipher.js';

/** Options of `new RedisTokenStore(...)`. */
export interface RedisTokenStoreOptions {
  /**
   * The Redis connection: an ioredis client you own (the store never closes it; give it
   * `enableOfflineQueue: false` so commands fail fast while Redis is down), or connection options or a
   * `redis://` URL, from which the store creates a client with fail-fast defaults and closes it with the module.
   */
  redis: Redis | RedisOptions | string;
  /** Prefix of every key the store writes, default `nestjs-client-credentials:`. */
  keyPrefix?: string;
  /** Deadline of one Redis command in milliseconds, default 500. Past it the manager fetches locally. */
  commandTimeoutMs?: number;
  /**
   * AES-256-GCM key(s) for tokens at rest: 32 bytes each, as a Buffer or a base64 string. With a
   * list, the first key encrypts and every key decrypts (key rotation). Without a key, tokens are
   * stored in clear.
   */
  encryptionKey?: TokenEncryptionKey | readonly TokenEncryptionKey[];
}
