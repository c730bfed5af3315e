/**
 * `nestjs-client-credentials/redis`: the Redis token store, for a fleet that shares one token per
 * client. Needs the optional peer `ioredis`.
 * @packageDocumentation
 */
export { RedisTokenStore } from './redis-token.store.js';
export type { RedisClusterConnection, RedisConnection } from './redis-connection.js';
export type { RedisTokenStoreOptions } from './redis-token-store-options.interface.js';
export type { TokenEncryptionKey } from './token-cipher.js';
