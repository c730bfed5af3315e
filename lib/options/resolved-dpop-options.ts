import type { KeyObject } from 'node:crypto';
import { inspect } from 'node:util';
import type { DpopAlgorithm } from './dpop-options.interface.js';

/** Where the DPoP key comes from: generated at startup, or given in the options. */
export type DpopKeySource = 'ephemeral' | 'configured';

/**
 * The validated `dpop` option. The private key lives in a private field: it is invisible to
 * `util.inspect`, `JSON.stringify` and object spreading, and only `DpopKey` reads it.
 * @internal
 */
export class ResolvedDpopOptions {
  readonly keySource: DpopKeySource;
  readonly alg: DpopAlgorithm;
  readonly allowBearerDowngrade: boolean;
  readonly #privateKey: KeyObject | undefined;

  constructor(settings: { alg: DpopAlgorithm; allowBearerDowngrade: boolean }, privateKey?: KeyObject) {
    this.keySource = privateKey === undefined ? 'ephemeral' : 'configured';
    this.alg = settings.alg;
    this.allowBearerDowngrade = settings.allowBearerDowngrade;
    this.#privateKey = privateKey;
  }

  /** The configured private key (undefined for an ephemeral key), for `DpopKey` only. */
  revealPrivateKey(): KeyObject | undefined {
    return this.#privateKey;
  }

  toJSON(): Record<string, unknown> {
    return {
      keySource: this.keySource,
      alg: this.alg,
      allowBearerDowngrade: this.allowBearerDowngrade,
      ...(this.#privateKey ? { privateKey: '[redacted]' } : {}),
    };
  }

  [inspect.custom](): string {
    return `ResolvedDpopOptions ${inspect(this.toJSON())}`;
  }
}
