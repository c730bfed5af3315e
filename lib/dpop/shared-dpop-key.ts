import type { Logger } from '@nestjs/common';
import { createPrivateKey, type KeyObject } from 'node:crypto';
import { TokenStoreError } from '../errors/token-store.error.js';
import { withDeadline } from '../internal/with-deadline.js';
import type { ResolvedTokenOptions } from '../options/resolved-token-options.js';
import { sharedDpopKeyStoreKey } from '../store/token-cache-key.js';
import type { TokenStore } from '../store/token-store.interface.js';
import type { DpopAlgorithm } from './dpop-options.interface.js';
import { DpopKey } from './dpop-key.js';
import { loadJose } from './jose.loader.js';
import type { ResolvedDpopOptions } from './resolved-dpop-options.js';
import { dpopKeyMismatch } from './validate-dpop-option.js';

/**
 * How long the fleet's generated DPoP key stays in the store after the last process adopted it:
 * 24 hours, far beyond any token it signs for. Every process that starts and adopts it extends it;
 * once no process has started for that long, the next one generates a new key.
 */
export const DEFAULT_SHARED_DPOP_KEY_TTL_MS = 24 * 60 * 60 * 1000;

/**
 * The DPoP key of a module instance, fixed for its life:
 *
 * - a configured `privateKey`: that key;
 * - a generated key without a `store`: a non-extractable pair for this process alone;
 * - a generated key with a `store`: the fleet agrees on one key. This process generates a candidate and
 *   offers it to `store.claimSharedSecret` (put-if-absent); whatever the store holds is adopted, so every
 *   process has the same thumbprint, the same token cache key, and the fleet one token.
 *
 * With a store that cannot share secrets, that does not answer within its deadline (or
 * `requestTimeoutMs` for a store without one), that fails, or that holds a value this process cannot
 * read or use as an `alg` key, the process falls back to a key of its own with one warning: it then
 * gets its own token. A malformed stored value is never adopted. No key material is ever logged.
 * @internal
 */
export async function obtainDpopKey(options: ResolvedTokenOptions, dpop: ResolvedDpopOptions, logger: Logger): Promise<DpopKey> {
  const store = options.store;
  if (dpop.keySource === 'configured' || store === undefined) return DpopKey.create(dpop);
  if (typeof store.claimSharedSecret !== 'function') {
    logger.warn('DPoP: the token store has no claimSharedSecret(), so this process generates a key of its own and the fleet gets one token per process (use a store that implements it, or configure dpop.privateKey)');
    return DpopKey.create(dpop);
  }
  const jose = await loadJose();
  const candidate = JSON.stringify(await jose.exportJWK((await jose.generateKeyPair(dpop.alg, { extractable: true })).privateKey));
  const adopted = await claimFleetKey(store.claimSharedSecret.bind(store), options, dpop.alg, candidate).catch((error: unknown) => {
    const reason = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    return `the token store failed (${withoutKeyMaterial(reason, candidate)})`;
  });
  if (typeof adopted !== 'string') return DpopKey.fromPrivateKey(adopted, dpop.alg, { source: 'ephemeral', shared: true });
  logger.warn(`DPoP: ${adopted}; this process uses a key of its own, so it gets its own token instead of the fleet's`);
  return DpopKey.create(dpop);
}

/** The key the store holds after offering `candidate`, or why it cannot be used. */
async function claimFleetKey(
  claimSharedSecret: NonNullable<TokenStore['claimSharedSecret']>,
  options: ResolvedTokenOptions,
  alg: DpopAlgorithm,
  candidate: string,
): Promise<KeyObject | string> {
  const claim = claimSharedSecret(sharedDpopKeyStoreKey(options, alg), candidate, DEFAULT_SHARED_DPOP_KEY_TTL_MS);
  const stored = await withDeadline(claim, options.requestTimeoutMs, () => new TokenStoreError(`no answer within ${options.requestTimeoutMs} ms`));
  if (stored === undefined) return 'the shared DPoP key in the token store cannot be read here (encrypted with a key not configured here, or not written by this package)';
  return readStoredKey(stored, alg) ?? `the value stored as the shared DPoP key is not a private ${alg} key (not adopted; delete it to let the fleet generate a new one)`;
}

/**
 * `text` with the candidate and each of its JWK members replaced: a custom store's error could quote
 * what it was given, whole or in part, and must not carry the private key into the log.
 */
function withoutKeyMaterial(text: string, candidate: string): string {
  const members = Object.values(JSON.parse(candidate) as Record<string, unknown>).filter((value): value is string => typeof value === 'string' && value.length >= 16);
  return [candidate, ...members].reduce((redacted, secret) => redacted.split(secret).join('[redacted]'), text);
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
