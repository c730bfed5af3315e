import { TokenConfigError, type TokenConfigProblem } from '../errors/token-config.error.js';
import { understandConnection } from './redis-connection.js';
import type { RedisTokenStoreOptions } from './redis-token-store-options.interface.js';
import { TokenCipher, type TokenEncryptionKey } from './token-cipher.js';

const DEFAULT_KEY_PREFIX = 'nestjs-client-credentials:';
const DEFAULT_COMMAND_TIMEOUT_MS = 500;

/**
 * `RedisTokenStore`'s options, checked and defaulted: every problem is gathered into one `TokenConfigError`
 * (never quoting a value), including which connection shape was understood (`understandConnection`).
 * @internal
 */
export function resolveRedisStoreOptions(options: RedisTokenStoreOptions) {
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
  return { redis, keyPrefix, commandTimeoutMs, notifyWaiters, cipher: cipher!, connection };
}
