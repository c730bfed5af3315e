import type { KeyObject } from 'node:crypto';
import { inspect } from 'node:util';
import type { CredentialProvider } from '../credentials/credential-provider.js';
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
  /** A key read at startup (a value or a file), or the function that gives it, called once when the module starts. */
  readonly #privateKey: KeyObject | CredentialProvider<KeyObject> | undefined;

  constructor(settings: { alg: DpopAlgorithm; allowBearerDowngrade: boolean }, privateKey?: KeyObject | CredentialProvider<KeyObject>) {
    this.keySource = privateKey === undefined ? 'ephemeral' : 'configured';
    this.alg = settings.alg;
    this.allowBearerDowngrade = settings.allowBearerDowngrade;
    this.#privateKey = privateKey;
  }

  /**
   * The configured private key (undefined for an ephemeral key), for `DpopKey` only. Read once per
   * module: the key's thumbprint is part of the token cache key, so it is fixed for the module's life.
   */
  async revealPrivateKey(): Promise<KeyObject | undefined> {
    const key = this.#privateKey;
    return key === undefined || !('read' in key) ? key : key.read();
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
