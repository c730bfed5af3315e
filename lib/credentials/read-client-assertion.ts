import { isoInstant } from '../internal/iso-instant.js';
import type { ExternalAssertion } from './client-assertion.js';
import { CredentialError } from './credential.error.js';
import type { CredentialProvider } from './credential-provider.js';

/**
 * An assertion with less than this left is read again before it is sent: kubelet renews a projected
 * service-account token at 80% of its life, so a fresh one is usually there already.
 */
export const ASSERTION_RENEW_BEFORE_SECONDS = 10;

/**
 * The client assertion to send now (RFC 7521 §4.2). One about to expire is read again; when the
 * source still has only an expired one, a `CredentialError` names the source and the `exp`, instead of
 * the authorization server's bare `invalid_client`. `exp` is compared with the wall clock, which is
 * what the server checks it against.
 * @internal
 */
export async function readClientAssertion(provider: CredentialProvider<ExternalAssertion>, signal?: AbortSignal): Promise<string> {
  const nowSeconds = () => Date.now() / 1000;
  let { value } = await provider.readWithHash(signal);
  if (value.expiresAt - nowSeconds() < ASSERTION_RENEW_BEFORE_SECONDS) ({ value } = await provider.reread(signal));
  if (value.expiresAt <= nowSeconds()) {
    throw new CredentialError(
      provider.option,
      provider.sourceName,
      `holds only an expired client assertion (exp ${isoInstant(value.expiresAt * 1000)}); the issuer that writes it has not renewed it`,
    );
  }
  return value.assertion;
}
