import { Cluster, type ClusterNode, type ClusterOptions, Redis, type RedisOptions } from 'ioredis';

/** A Redis Cluster for the store to connect to: its startup nodes and, optionally, ioredis cluster options. */
export interface RedisClusterConnection {
  /** Startup nodes (`{ host, port }`, `'host:port'` or a port); the client discovers the others. */
  cluster: ClusterNode[];
  /** ioredis `ClusterOptions`; `redisOptions` in it apply to every node connection (TLS, username, password). */
  options?: ClusterOptions;
}

/**
 * Where the token store connects, in one of three shapes, each explicit:
 * - **a single server**: a `redis://` or `rediss://` URL, or ioredis options with `host`, `port` or `path`;
 * - **a cluster**: `{ cluster: nodes, options? }`;
 * - **Sentinel**: ioredis options with `sentinels` and `name` (the monitored master's name);
 * - or an ioredis `Redis` or `Cluster` client you own.
 */
export type RedisConnection = Redis | Cluster | string | RedisOptions | RedisClusterConnection;

/** The shape a `redis` option was understood as, or why it was refused. @internal */
export type UnderstoodConnection =
  { readonly shape: 'client' | 'url' | 'single server' | 'sentinel' | 'cluster' } | { readonly shape: 'refused'; readonly problem: string };

const SINGLE_SERVER_FIELDS = ['host', 'port', 'path'] as const;
/** Names of cluster node lists in other libraries: given as options, ioredis would ignore them and connect to localhost. */
const CLUSTER_LOOKALIKE_FIELDS = ['nodes', 'startupNodes', 'clusterNodes', 'rootNodes', 'hosts', 'servers'] as const;

/** Which of the three shapes `value` is; anything that could mean two things, or nothing, is refused. @internal */
export function understandConnection(value: unknown): UnderstoodConnection {
  if (typeof value === 'string') {
    if (/^rediss?:\/\//i.test(value)) return { shape: 'url' };
    return refused('a string is understood as a single-server URL but does not start with redis:// or rediss://');
  }
  if (Array.isArray(value)) {
    return refused('a list is not understood: for a cluster write { cluster: [nodes] }, for Sentinel { sentinels: [nodes], name }');
  }
  if (typeof value !== 'object' || value === null) {
    return refused('must be an ioredis client, a redis:// URL, single-server options, { cluster: nodes } or Sentinel options');
  }
  if (isRedisClient(value)) return { shape: 'client' };
  const fields = value as Record<string, unknown>;
  const has = (field: string) => fields[field] !== undefined;
  const singleServerFields = SINGLE_SERVER_FIELDS.filter(has);
  if (has('cluster')) {
    const others = Object.keys(fields).filter((field) => field !== 'cluster' && field !== 'options' && has(field));
    if (!Array.isArray(fields.cluster) || fields.cluster.length === 0)
      return refused('understood as a cluster: `cluster` must list at least one node');
    if (others.length > 0) {
      return refused(
        `understood as a cluster (\`cluster\` is set) but ${others.join(', ')} ${others.length === 1 ? 'is' : 'are'} set too: connection options go in \`options\` (\`options.redisOptions\` for every node)`,
      );
    }
    return { shape: 'cluster' };
  }
  if (has('sentinels')) {
    if (!Array.isArray(fields.sentinels) || fields.sentinels.length === 0)
      return refused('understood as Sentinel: `sentinels` must list at least one sentinel');
    if (typeof fields.name !== 'string' || fields.name === '')
      return refused('understood as Sentinel (`sentinels` is set) but `name`, the master name, is missing');
    if (singleServerFields.length > 0) {
      return refused(
        `understood as Sentinel (\`sentinels\` is set) but ${singleServerFields.join(', ')} ${singleServerFields.length === 1 ? 'names a single server: remove it' : 'name a single server: remove them'}; Sentinel tells where the master is`,
      );
    }
    return { shape: 'sentinel' };
  }
  const lookalike = CLUSTER_LOOKALIKE_FIELDS.find(has);
  if (lookalike !== undefined) {
    return refused(
      `understood as single-server options, which have no \`${lookalike}\`: for a cluster write { cluster: [nodes], options? }`,
    );
  }
  if (has('name')) return refused('understood as single-server options, but `name` (a Sentinel master name) needs `sentinels`');
  if (singleServerFields.length === 0) {
    return refused(
      'understood as single-server options but names no host, port or path (ioredis would connect to localhost:6379): set host',
    );
  }
  return { shape: 'single server' };
}

/** Duck-typed, so a client from another copy of ioredis is recognised too. @internal */
export function isRedisClient(value: unknown): value is Redis | Cluster {
  const candidate = value as Partial<Redis> | null;
  return typeof candidate === 'object' && candidate !== null && typeof candidate.eval === 'function' && typeof candidate.on === 'function';
}

/**
 * Options as ioredis's constructors take them: under `exactOptionalPropertyTypes` their `replyMapping`
 * admits no explicit `undefined`, which `RedisOptions` itself declares (and a spread keeps).
 */
type ExactReplyMapping = { replyMapping?: NonNullable<RedisOptions['replyMapping']> };
type RedisConstructorOptions = RedisOptions & ExactReplyMapping;
type ClusterNodeConstructorOptions = NonNullable<ClusterOptions['redisOptions']> & ExactReplyMapping;

/**
 * A client that fails fast while Redis is away: no offline queue, one retry, a command deadline.
 * Options given explicitly win.
 * @internal
 */
export function createClient(connection: Exclude<RedisConnection, Redis | Cluster>, commandTimeoutMs: number): Redis | Cluster {
  const failFast = {
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    commandTimeout: commandTimeoutMs,
    connectTimeout: 2_000,
    // ioredis holds a (not unref'd) timer this long when closing a dead connection: keep shutdown prompt.
    disconnectTimeout: commandTimeoutMs,
    retryStrategy: (attempt: number) => Math.min(attempt * 100, 2_000),
  } satisfies RedisOptions;
  if (typeof connection === 'string') return new Redis(connection, failFast);
  if ('cluster' in connection && Array.isArray(connection.cluster)) {
    const { redisOptions, ...clusterOptions } = connection.options ?? {};
    // The offline queue is the cluster's to refuse; a node's reconnects are the cluster's business (ioredis
    // refreshes the slots instead), so neither goes into the per-node options.
    const { enableOfflineQueue, retryStrategy: _perNodeRetry, ...nodeOptions } = failFast;
    const cluster = new Cluster(connection.cluster, {
      enableOfflineQueue,
      ...clusterOptions,
      redisOptions: { ...nodeOptions, ...redisOptions } as ClusterNodeConstructorOptions,
    });
    // ioredis opens a node's connection at its first command, which then pays the handshake within its
    // deadline: at a fleet's cold start many would miss it and fetch their own tokens. Open each at once.
    cluster.on('+node', (node: Redis) => {
      if (node.status === 'wait') node.connect().catch(() => undefined);
    });
    return cluster;
  }
  return new Redis({ ...failFast, ...(connection as RedisConstructorOptions) });
}

function refused(problem: string): UnderstoodConnection {
  return { shape: 'refused', problem };
}
