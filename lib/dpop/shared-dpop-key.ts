import type { Logger } from '@nestjs/common';
import { createPrivateKey, type KeyObject } from 'node:crypto';
import type { ResolvedTokenOptions } from '../options/resolved-token-options.js';
import { sharedDpopKeyStoreKey } from '../core/token-store-keys.js';
import type { DpopAlgorithm } from '../options/dpop-options.interface.js';
import { DpopKey } from './dpop-key.js';
import { loadDpopJose } from './dpop-jose.js';
import { type ClaimSharedSecret, offerSharedDpopKey, storeFailureWithoutKeyMaterial } from './offer-shared-dpop-key.js';
import type { ResolvedDpopOptions } from '../options/resolved-dpop-options.js';
import { SharedDpopKeyKeepalive } from './shared-dpop-key-keepalive.js';
import { dpopKeyMismatch } from './validate-dpop-option.js';

/**
 * How long the fleet's generated DPoP key stays in the store after the last process offered it:
 * 24 hours, far beyond any token it signs for. Every process that starts and adopts it extends it, and
 * every running process re-offers it every quarter of this (`SharedDpopKeyKeepalive`), so it expires
 * only once no process using it has run for that long; the next one then generates a new key.
 */
export const DEFAULT_SHARED_DPOP_KEY_TTL_MS = 24 * 60 * 60 * 1000;

/** What obtaining the key reads of the options: the store, its deadline and the client it is for. @internal */
export type DpopKeySetup = Pick<ResolvedTokenOptions, 'store' | 'requestTimeoutMs' | 'clientFingerprint'>;

/** A module instance's DPoP key, and for the fleet's shared key what keeps it alive in the store. @internal */
export interface ObtainedDpopKey {
  readonly key: DpopKey;
  /** Only for a key adopted from the store (not started yet): configured keys and keys of a process's own have none. */
  readonly keepalive?: SharedDpopKeyKeepalive;
}

/**
 * The DPoP key of a module instance, fixed for its life:
 *
 * - a configured `privateKey`: that key;
 * - a generated key without a `store`: a non-extractable pair for this process alone;
 * - a generated key with a `store`: the fleet agrees on one key. This process generates a candidate and
 *   offers it to `store.claimSharedSecret` (put-if-absent); whatever the store holds is adopted, so every
 *   process has the same thumbprint, the same token cache key, and the fleet one token. The adopted key
 *   comes with a keep-alive that re-offers it while the instance runs.
 *
 * With a store that cannot share secrets, that does not answer within its deadline (or
 * `requestTimeoutMs` for a store without one), that fails, or that holds a value this process cannot
 * read or use as an `alg` key, the process falls back to a key of its own with one warning: it then
 * gets its own token. A malformed stored value is never adopted. No key material is ever logged.
 * @internal
 */
export async function obtainDpopKey(options: DpopKeySetup, dpop: ResolvedDpopOptions, logger: Logger): Promise<ObtainedDpopKey> {
  const store = options.store;
  if (dpop.keySource === 'configured' || store === undefined) return { key: await DpopKey.create(dpop) };
  if (typeof store.claimSharedSecret !== 'function') {
    logger.warn(
      'DPoP: the token store has no claimSharedSecret(), so this process generates a key of its own and the fleet gets one token per process (use a store that implements it, or configure dpop.privateKey)',
    );
    return { key: await DpopKey.create(dpop) };
  }
  const jose = await loadDpopJose();
  const candidate = JSON.stringify(await jose.exportJWK((await jose.generateKeyPair(dpop.alg, { extractable: true })).privateKey));
  const claimSharedSecret = store.claimSharedSecret.bind(store);
  const storeKey = sharedDpopKeyStoreKey(options.clientFingerprint, dpop.alg);
  const adopted = await claimFleetKey(claimSharedSecret, storeKey, options.requestTimeoutMs, dpop.alg, candidate).catch(
    (error: unknown) => `the token store failed (${storeFailureWithoutKeyMaterial(error, candidate)})`,
  );
  if (typeof adopted !== 'string') {
    const key = await DpopKey.fromPrivateKey(adopted.key, dpop.alg, { source: 'ephemeral', shared: true });
    const keepalive = new SharedDpopKeyKeepalive({
      claimSharedSecret,
      storeKey,
      jwkJson: adopted.jwkJson,
      thumbprint: key.thumbprint,
      ttlMs: DEFAULT_SHARED_DPOP_KEY_TTL_MS,
      timeoutMs: options.requestTimeoutMs,
      logger,
    });
    return { key, keepalive };
  }
  logger.warn(`DPoP: ${adopted}; this process uses a key of its own, so it gets its own token instead of the fleet's`);
  return { key: await DpopKey.create(dpop) };
}

/** The key the store holds after offering `candidate` (with the exact JSON it holds, to re-offer), or why it cannot be used. */
async function claimFleetKey(
  claimSharedSecret: ClaimSharedSecret,
  storeKey: string,
  timeoutMs: number,
  alg: DpopAlgorithm,
  candidate: string,
): Promise<{ key: KeyObject; jwkJson: string } | string> {
  const stored = await offerSharedDpopKey(claimSharedSecret, storeKey, candidate, DEFAULT_SHARED_DPOP_KEY_TTL_MS, timeoutMs);
  if (stored === undefined)
    return 'the shared DPoP key in the token store cannot be read here (encrypted with a key not configured here, or not written by this package)';
  const key = readStoredKey(stored, alg);
  return key === undefined
    ? `the value stored as the shared DPoP key is not a private ${alg} key (not adopted; delete it to let the fleet generate a new one)`
    : { key, jwkJson: stored };
}

/** The stored private JWK as a key that can sign with `alg`, or undefined (never saying why: it is a secret). */
function readStoredKey(stored: string, alg: DpopAlgorithm): KeyObject | undefined {
  try {
    const jwk = JSON.parse(stored) as unknown;
    if (typeof jwk !== 'object' || jwk === null || Array.isArray(jwk)) return undefined;
    const key = createPrivateKey({ key: jwk as never, format: 'jwk' });
    return dpopKeyMismatch(key, alg) === undefined ? key : undefined;
  } catch {
    return undefined;
  }
}
