import { TokenStoreError } from '../errors/token-store.error.js';
import { withDeadline } from '../internal/with-deadline.js';
import type { TokenStore } from '../core/token-store.interface.js';
import { errorSummary } from '../internal/describe-error.js';
import { redactSecrets } from '../internal/redact-secrets.js';

/** `TokenStore.claimSharedSecret`, bound to its store. @internal */
export type ClaimSharedSecret = NonNullable<TokenStore['claimSharedSecret']>;

/**
 * Offers `jwkJson` as the fleet's DPoP key (put-if-absent, extending what is held) and resolves what
 * the store holds, under the same `timeoutMs` deadline at startup and on every keep-alive: a store
 * that hangs must neither block startup nor leave a refresh pending forever.
 * @internal
 */
export function offerSharedDpopKey(
  claimSharedSecret: ClaimSharedSecret,
  storeKey: string,
  jwkJson: string,
  ttlMs: number,
  timeoutMs: number,
): Promise<string | undefined> {
  return withDeadline(
    claimSharedSecret(storeKey, jwkJson, ttlMs),
    timeoutMs,
    () => new TokenStoreError(`no answer within ${timeoutMs} ms`),
  );
}

/**
 * Why the store failed, with the offered JWK and each of its members replaced: a custom store's error
 * could quote what it was given, whole or in part, and must not carry the private key into the log.
 * @internal
 */
export function storeFailureWithoutKeyMaterial(error: unknown, jwkJson: string): string {
  const reason = errorSummary(error);
  const members = Object.values(JSON.parse(jwkJson) as Record<string, unknown>).filter(
    (value): value is string => typeof value === 'string' && value.length >= 16,
  );
  return redactSecrets(reason, [jwkJson, ...members]);
}
