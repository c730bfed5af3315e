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

/**
 * Stores a token: SET KEYS[1] ARGV[1] PX ARGV[2], then announces it on channel ARGV[3] so waiting
 * instances stop waiting. `pcall`: a user whose ACL has no channel rights still stores (waiters poll).
 */
export const SET_AND_PUBLISH = `
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
redis.pcall('PUBLISH', ARGV[3], 'changed')
return 1`;

/**
 * Releases the lease KEYS[1] only if its value is ARGV[1] (its owner), and announces it on channel
 * ARGV[2]: after a failed fetch, a waiting instance takes the lease over at once.
 */
export const RELEASE_LEASE_AND_PUBLISH = `
if redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('DEL', KEYS[1])
  redis.pcall('PUBLISH', ARGV[2], 'changed')
  return 1
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
