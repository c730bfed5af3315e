import { Logger, type OnModuleDestroy } from '@nestjs/common';
import { inspect } from 'node:util';
import { TokenConfigError } from '../errors/token-config.error.js';
import type { ResolvedTokenOptions } from '../options/resolved-token-options.js';
import type { DpopKey } from './dpop-key.js';
import { DpopNonceStore } from './dpop-nonce.store.js';
import { createDpopProof } from './dpop-proof.js';
import type { DpopSigner } from './dpop-signer.interface.js';
import type { DpopStatus } from './dpop-status.interface.js';
import { type DpopKeySetup, obtainDpopKey } from './shared-dpop-key.js';
import type { SharedDpopKeyKeepalive, SharedDpopKeyRefresh } from './shared-dpop-key-keepalive.js';

/** What the DPoP side reads of the options: its own settings, the clock, and what obtaining the key needs. @internal */
export type DpopServiceSetup = Pick<ResolvedTokenOptions, 'dpop' | 'clock'> & DpopKeySetup;

/** Headers of one DPoP-protected resource request (a type alias, so it fits axios header records). */
export type DpopRequestHeaders = {
  /** `DPoP <token>` (or `Bearer <token>` for a downgraded token). */
  readonly Authorization: string;
  /** The proof; absent for a downgraded Bearer token. */
  readonly DPoP?: string;
};

/**
 * The DPoP side of one `TokenModule` registration (RFC 9449): its key, its proofs and the nonces
 * servers sent. Always provided; `enabled` is false without the `dpop` option. Inject it to build
 * headers by hand, to attach DPoP to an axios instance of your own (`attachDpopInterceptor`) or to
 * report `status()`. The module's own `HttpService` uses it by itself when the option is on.
 *
 * With the fleet's shared key (a generated key adopted from the `store`), it keeps that key alive in
 * the store while the module runs (`SharedDpopKeyKeepalive`), and stops when the module is destroyed.
 */
export class DpopService implements DpopSigner, OnModuleDestroy {
  readonly #key: DpopKey | undefined;
  readonly #keepalive: SharedDpopKeyKeepalive | undefined;
  readonly #nonces = new DpopNonceStore();
  readonly #clock: () => number;
  readonly #allowBearerDowngrade: boolean;

  private constructor(key: DpopKey | undefined, clock: () => number, allowBearerDowngrade: boolean, keepalive?: SharedDpopKeyKeepalive) {
    this.#key = key;
    this.#keepalive = keepalive;
    this.#clock = clock;
    this.#allowBearerDowngrade = allowBearerDowngrade;
  }

  /**
   * Loads the key of the `dpop` option: the configured one, or a generated one (agreed on with the
   * fleet through the `store` when it can, see `obtainDpopKey`); or a disabled service. `clientName`
   * names the log context of a named registration.
   * @internal
   */
  static async create(options: DpopServiceSetup, clientName?: string): Promise<DpopService> {
    const dpop = options.dpop;
    if (dpop === undefined) return new DpopService(undefined, options.clock, false);
    const logger = new Logger(clientName === undefined ? 'TokenManager' : `TokenManager:${clientName}`);
    const { key, keepalive } = await obtainDpopKey(options, dpop, logger);
    // The thumbprint is public (it is in every token) and is what IdP and API logs show: log it to correlate.
    logger.log(
      `DPoP on: ${key.source}${key.shared ? ' (shared through the token store)' : ''} ${key.alg} key, thumbprint ${key.thumbprint}`,
    );
    keepalive?.start();
    return new DpopService(key, options.clock, dpop.allowBearerDowngrade, keepalive);
  }

  /** Stops keeping the shared key alive (Nest calls it on factory-provided instances too). */
  onModuleDestroy(): void {
    this.#keepalive?.stop();
  }

  /**
   * Re-offers the fleet's shared key to the store now, as the periodic keep-alive does; undefined
   * without a shared key (DPoP off, a configured key, or a key of this process's own). Never rejects.
   * @internal
   */
  refreshSharedKey(): Promise<SharedDpopKeyRefresh | undefined> {
    return this.#keepalive === undefined ? Promise.resolve(undefined) : this.#keepalive.refresh();
  }

  /** Whether a keep-alive of the shared key is scheduled (false once the module is destroyed). @internal */
  get sharedKeyRefreshScheduled(): boolean {
    return this.#keepalive?.scheduled ?? false;
  }

  /** Whether the `dpop` option is on. */
  get enabled(): boolean {
    return this.#key !== undefined;
  }

  /** RFC 7638 thumbprint of the public key, fixed for this instance; undefined when DPoP is off. Part of the token cache key. */
  get thumbprint(): string | undefined {
    return this.#key?.thumbprint;
  }

  /** `token_type` values accepted from the token endpoint. @internal */
  get acceptedTokenTypes(): readonly string[] {
    if (!this.enabled) return ['Bearer'];
    return this.#allowBearerDowngrade ? ['DPoP', 'Bearer'] : ['DPoP'];
  }

  /** Mode (and, for a generated key, whether the fleet shares it), algorithm and thumbprint: public facts for health output. */
  status(): DpopStatus {
    const key = this.#key;
    if (key === undefined) return { mode: 'off' };
    const shared = key.source === 'ephemeral' ? { shared: key.shared } : {};
    return { mode: key.source, ...shared, alg: key.alg, thumbprint: key.thumbprint, allowBearerDowngrade: this.#allowBearerDowngrade };
  }

  /** A fresh proof for `method` + absolute `url`, with the origin's last nonce and, given a token, its hash (`ath`). */
  proofFor(method: string, url: string, accessToken?: string): Promise<string> {
    const key = this.#key;
    if (key === undefined) return Promise.reject(new TokenConfigError([{ field: 'dpop', message: 'is not enabled for this TokenModule' }]));
    const nonce = this.#nonces.get(url);
    return createDpopProof(key, {
      method,
      url,
      nowMs: this.#clock(),
      ...(nonce !== undefined ? { nonce } : {}),
      ...(accessToken !== undefined ? { accessToken } : {}),
    });
  }

  /**
   * Headers for a resource request with `accessToken`: `Authorization: DPoP <token>` and a proof for
   * this exact method and URL. A token the IdP issued as Bearer (only with `allowBearerDowngrade`)
   * travels as `Bearer` without a proof.
   */
  async resourceRequestHeaders(method: string, url: string, accessToken: string, tokenType = 'DPoP'): Promise<DpopRequestHeaders> {
    if (tokenType.toLowerCase() === 'bearer' && this.#allowBearerDowngrade) return { Authorization: `Bearer ${accessToken}` };
    return { Authorization: `DPoP ${accessToken}`, DPoP: await this.proofFor(method, url, accessToken) };
  }

  /** Remembers the `DPoP-Nonce` header of a response from `url`; returns whether a valid one was present. */
  rememberNonce(url: string, nonceHeader: unknown): boolean {
    return this.#nonces.remember(url, nonceHeader);
  }

  toJSON(): DpopStatus {
    return this.status();
  }

  [inspect.custom](): string {
    return `DpopService ${inspect(this.status())}`;
  }
}
