import { describe, expect, it } from '@jest/globals';
import { inspect } from 'node:util';
import type { IssuedToken } from '../../lib/core/issued-token.interface.js';
import { TokenResponseError } from '../../lib/errors/token-response.error.js';
import { TokenCache, type TokenCacheSettings } from '../../lib/manager/token-cache.js';
import { ManualClock } from '../support/manual-clock.js';

function issued(accessToken: string, expiresInSeconds = 3600): IssuedToken {
  return { accessToken, tokenType: 'DPoP', expiresInSeconds, expiresInDefaulted: false };
}

function cacheWith(clock: ManualClock, settings: Partial<TokenCacheSettings> = {}): TokenCache {
  return new TokenCache({ cache: true, refreshMarginSeconds: 300, clock: clock.now, ...settings });
}

describe('the token cache', () => {
  it('serves a fresh token from the fast path as one settled promise, until it turns stale', async () => {
    const clock = new ManualClock();
    const cache = cacheWith(clock);
    cache.keep(cache.admit(issued('first'), clock.nowMs));
    const settled = cache.settled;
    await expect(settled).resolves.toBe('first');
    expect(clock.nowMs < cache.freshUntilMs).toBe(true);
    clock.advanceSeconds(3300);
    expect(clock.nowMs < cache.freshUntilMs).toBe(false);
    expect(cache.peekFresh(clock.nowMs)).toBeUndefined();
  });

  it('a token in its stable window stays off the fast path; once the window has passed it is served from it', () => {
    const clock = new ManualClock();
    const cache = cacheWith(clock, { stableAfterSeconds: 60 });
    cache.keep(cache.admit(issued('young'), clock.nowMs));
    expect(clock.nowMs < cache.freshUntilMs).toBe(false);
    expect(cache.peekFresh(clock.nowMs)).toBeUndefined();
    clock.advanceSeconds(60);
    expect(cache.peekFresh(clock.nowMs)).toBe('young');
    expect(clock.nowMs < cache.freshUntilMs).toBe(true);
  });

  it('a late 401 for an old token does not drop the fresh one; a 401 for the cached token does', () => {
    const clock = new ManualClock();
    const cache = cacheWith(clock);
    cache.keep(cache.admit(issued('old'), clock.nowMs));
    cache.keep(cache.admit(issued('new'), clock.nowMs));
    expect(cache.drop('old')).toBeUndefined();
    expect(cache.current?.value).toBe('new');
    expect(cache.drop('new')?.value).toBe('new');
    expect(cache.current).toBeUndefined();
    expect(cache.peekFresh(clock.nowMs)).toBeUndefined();
  });

  it('with cache: false nothing is kept, but the last token still tells its token_type', () => {
    const clock = new ManualClock();
    const cache = cacheWith(clock, { cache: false });
    cache.keep(cache.admit(issued('uncached'), clock.nowMs));
    expect(cache.current).toBeUndefined();
    expect(cache.settled).toBeUndefined();
    expect(cache.tokenTypeOf('uncached')).toBe('DPoP');
    expect(cache.tokenTypeOf('another')).toBeUndefined();
  });

  it('a token that expired while its response was on the way is refused', () => {
    const clock = new ManualClock();
    const cache = cacheWith(clock);
    const sentAtMs = clock.nowMs;
    clock.advanceSeconds(5);
    expect(() => cache.admit(issued('late', 5), sentAtMs)).toThrow(TokenResponseError);
  });

  it('util.inspect and JSON.stringify of the cache show facts about the token, never the token', () => {
    const clock = new ManualClock();
    const cache = cacheWith(clock);
    cache.keep(cache.admit(issued('secret-token-value'), clock.nowMs));
    expect(inspect(cache, { depth: 10, showHidden: true })).not.toContain('secret-token-value');
    expect(JSON.stringify(cache)).not.toContain('secret-token-value');
    expect(JSON.stringify(cache)).toContain('expiresAt');
  });
});
