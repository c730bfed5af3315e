import type { TokenModuleOptions } from '../options/token-module-options.interface.js';

/** The options of one runtime client, or a promise of them (loaded from a tenant database, a vault…). */
export type TokenClientOptionsFactory = (key: string) => TokenModuleOptions | Promise<TokenModuleOptions>;

/** Options of `TokenClientsModule.forRoot()`: how many runtime clients are kept, and for how long unused. */
export interface TokenClientsOptions {
  /** At most this many clients at once (default 100); past it the least recently used one is closed. */
  maxClients?: number;
  /** A client unused for this long is closed (default 15 minutes); `0` keeps clients until evicted by `maxClients`. */
  idleTimeoutMs?: number;
  /** The options of a client by key, for `get(key)` calls that pass no factory of their own. */
  factory?: TokenClientOptionsFactory;
}

/** @internal */
export interface ResolvedTokenClientsOptions {
  readonly maxClients: number;
  readonly idleTimeoutMs: number;
  readonly factory?: TokenClientOptionsFactory;
}
