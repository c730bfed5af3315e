import { sha256Hex } from '../internal/sha256.js';

/** Bumped when the key material changes, so old and new versions never share a key. */
const KEY_VERSION = 'v1';

/**
 * The key under which a fleet shares a token (see `TokenStore`): the client fingerprint (see
 * `clientFingerprint`), and with DPoP the key thumbprint too, since a DPoP-bound token is useless to
 * an instance holding another key. A Bearer client's key is its fingerprint.
 * @internal
 */
export function tokenCacheKey(clientFingerprint: string, dpopThumbprint: string | undefined): string {
  return dpopThumbprint === undefined
    ? clientFingerprint
    : sha256Hex(JSON.stringify([KEY_VERSION, clientFingerprint, ['dpop', dpopThumbprint]]));
}

/**
 * The store key under which a fleet agrees on one generated DPoP key: the client fingerprint (without
 * a thumbprint, which is what is being agreed on) plus the algorithm, so two clients never share a key
 * and a new `alg` gets a new key.
 * @internal
 */
export function sharedDpopKeyStoreKey(clientFingerprint: string, alg: string): string {
  return sha256Hex(JSON.stringify([KEY_VERSION, 'dpop-key', clientFingerprint, alg]));
}

/**
 * The store key of the token for one set of per-call token parameters (`parametersKey`, already
 * normalised): each set is shared across the fleet under its own key, never under the client's.
 * @internal
 */
export function parameterisedTokenCacheKey(clientCacheKey: string, parametersKey: string): string {
  return sha256Hex(JSON.stringify([KEY_VERSION, 'parameters', clientCacheKey, parametersKey]));
}
