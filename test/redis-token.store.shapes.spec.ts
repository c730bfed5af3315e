import { describe, expect, it } from '@jest/globals';
import { TokenConfigError } from '../lib/index.js';
import { RedisTokenStore, type RedisTokenStoreOptions } from '../lib/redis/index.js';

/** The one problem a `redis` option is refused for. */
function refusal(redis: unknown): string {
  try {
    new RedisTokenStore({ redis } as RedisTokenStoreOptions);
  } catch (error) {
    expect(error).toBeInstanceOf(TokenConfigError);
    const problems = (error as TokenConfigError).problems;
    expect(problems.map((problem) => problem.field)).toEqual(['redis']);
    return problems[0].message;
  }
  throw new Error('accepted');
}

describe('RedisTokenStore accepts three explicit connection shapes and refuses anything ambiguous', () => {
  it('cluster nodes passed as if they were options are refused, never a silent connection to localhost:6379', () => {
    expect(refusal([{ host: '10.0.0.1', port: 7000 }])).toMatch(/a list is not understood: for a cluster write \{ cluster: \[nodes\] \}/);
    expect(refusal({ nodes: [{ host: '10.0.0.1', port: 7000 }] })).toMatch(/understood as single-server options, which have no `nodes`/);
    expect(refusal({ startupNodes: ['10.0.0.1:7000'] })).toMatch(/which have no `startupNodes`: for a cluster write/);
  });

  it('options naming no server, or two shapes at once, are refused with the shape understood', () => {
    expect(refusal({ password: 'p' })).toMatch(/understood as single-server options but names no host, port or path/);
    expect(refusal({ cluster: [{ host: '10.0.0.1', port: 7000 }], host: '10.0.0.2' })).toMatch(
      /understood as a cluster \(`cluster` is set\) but host is set too/,
    );
    expect(refusal({ cluster: [] })).toMatch(/understood as a cluster: `cluster` must list at least one node/);
    expect(refusal({ sentinels: [{ host: '10.0.0.1', port: 26379 }] })).toMatch(
      /understood as Sentinel .* `name`, the master name, is missing/,
    );
    expect(refusal({ sentinels: [{ host: '10.0.0.1', port: 26379 }], name: 'mymaster', host: '10.0.0.2', port: 6380 })).toMatch(
      /understood as Sentinel \(`sentinels` is set\) but host, port name a single server: remove them/,
    );
    expect(refusal({ host: '10.0.0.1', name: 'mymaster' })).toMatch(/`name` \(a Sentinel master name\) needs `sentinels`/);
    expect(refusal('10.0.0.1:6379')).toMatch(/understood as a single-server URL but does not start with redis:\/\/ or rediss:\/\//);
    expect(refusal(undefined)).toMatch(/must be an ioredis client/);
  });

  it('each accepted shape is named in the store description, without a password', async () => {
    const shapes: Array<[RedisTokenStoreOptions['redis'], string]> = [
      ['rediss://user:secret-password@127.0.0.1:6390', 'single server'],
      [{ host: '127.0.0.1', port: 6390, password: 'secret-password', lazyConnect: true }, 'single server'],
      [{ sentinels: [{ host: '127.0.0.1', port: 26390 }], name: 'mymaster', password: 'secret-password', lazyConnect: true }, 'sentinel'],
      [
        { cluster: [{ host: '127.0.0.1', port: 7390 }], options: { lazyConnect: true, redisOptions: { password: 'secret-password' } } },
        'cluster',
      ],
    ];
    for (const [redis, shape] of shapes) {
      const store = new RedisTokenStore({ redis, commandTimeoutMs: 50 });
      const description = JSON.stringify(store);
      expect(description).toContain(`"shape":"${shape}"`);
      expect(description).not.toContain('secret-password');
      await store.close();
    }
  });
});
