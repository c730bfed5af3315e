/** A Redis Cluster started by a test: its startup nodes, a master failover and a stop. */
export interface TestRedisCluster {
  readonly nodes: Array<{ host: string; port: number }>;
  /** SIGKILLs the master serving `key`, then resolves once the cluster is ok under its promoted replica; the killed port. */
  killMasterOf(key: string): Promise<number>;
  stop(): Promise<void>;
}

/** A master, a replica and a Sentinel started by a test. */
export interface TestRedisSentinel {
  readonly name: string;
  readonly sentinels: Array<{ host: string; port: number }>;
  /** SIGKILLs the master and resolves once Sentinel promoted the replica. */
  killMaster(): Promise<void>;
  stop(): Promise<void>;
}

export function startRedisCluster(options?: { masters?: number }): Promise<TestRedisCluster>;
export function startRedisSentinel(options?: { name?: string }): Promise<TestRedisSentinel>;

/**
 * One redis-server with extra `args`, on a free port; an argument `{port}` is replaced by that port and
 * then the plain port is 0 (e.g. `['--tls-port', '{port}', ...]` for TLS only).
 */
export function startRedisNode(args?: string[]): Promise<{ readonly port: number; stop(): Promise<void> }>;
