/**
 * Lua scripts of the Redis token store; each runs atomically on the server.
 * @internal
 */

/** Deletes KEYS[1] only if its value starts with the token digest ARGV[1] (compare-and-delete of a token). */
export const DELETE_TOKEN_IF_DIGEST = `
local value = redis.call('GET', KEYS[1])
if value and string.sub(value, 1, string.len(ARGV[1])) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0`;

/** Deletes KEYS[1] only if its value is ARGV[1] (release of a lease by its owner). */
export const DELETE_IF_EQUAL = `
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0`;

/**
 * Put-if-absent of a shared secret: sets KEYS[1] to ARGV[1] (PX ARGV[2]) unless it exists; returns
 * `{1, value}` when it wrote it, `{0, value held}` otherwise (that value's expiry is the caller's to
 * extend once it could open it: a sealed value cannot be compared here).
 */
export const CLAIM_SHARED_SECRET = `
if redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2], 'NX') then
  return {1, ARGV[1]}
end
return {0, redis.call('GET', KEYS[1])}`;

/** Extends KEYS[1] to PX ARGV[2] only if its value is still ARGV[1] (the one just read and adopted). */
export const EXTEND_IF_EQUAL = `
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('PEXPIRE', KEYS[1], ARGV[2])
end
return 0`;
