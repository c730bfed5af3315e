import { createHash } from 'node:crypto';
import type { ResolvedTokenOptions } from '../options/resolved-token-options.js';

/** Bumped whenever the fingerprinted fields change, so old entries are never read under a new meaning. */
const CACHE_KEY_VERSION = 'v1';

/**
 * A stable key for the token these options obtain: SHA-256 over the token URL, client id, a SHA-256 of
 * the client secret, scope, audience, resources and extra parameters. Changed credentials or a changed
 * request give another key, so a shared store never hands out a token issued for other settings; equal
 * settings on every instance of a fleet give the same key. Scope tokens and resources are sorted, since
 * their order does not change the token. The key is a hash: the secret cannot be read back from it.
 * @internal
 */
export function tokenCacheKey(options: ResolvedTokenOptions): string {
  const sha256 = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');
  const fingerprint = JSON.stringify([
    CACHE_KEY_VERSION,
    options.tokenUrl,
    options.clientId,
    sha256(options.revealClientSecret()),
    options.scope?.split(' ').sort() ?? null,
    options.audience ?? null,
    [...options.resources].sort(),
    Object.entries(options.extraParams).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)),
  ]);
  return `nestjs-client-credentials:${CACHE_KEY_VERSION}:${sha256(fingerprint)}`;
}
