import { isResourceNonceChallenge } from '../dpop/dpop-challenge.js';
import type { DpopService } from '../dpop/dpop.service.js';
import type { AccessTokenProvider } from './access-token-provider.js';
import { BEARER_SCHEME, type CredentialScheme, type ReceivedResponse } from './credential-scheme.js';
import type { CredentialHeaders, RequestGrant } from './request-grant.js';

/**
 * `Authorization: DPoP <token>` with a fresh proof for the exact method and URL (RFC 9449 §7.1), or
 * Bearer without a proof for a token the IdP issued as Bearer (`allowBearerDowngrade`). The proof
 * names the URL, so redirects drop it; every answer's `DPoP-Nonce` is remembered for its origin, and a
 * 401 `use_dpop_nonce` challenge (§9) is met by one resend with the new nonce.
 * @internal
 */
export class DpopCredentialScheme implements CredentialScheme {
  readonly synchronous = false;
  readonly bindsToUrl = true;
  readonly readsResponses = true;

  constructor(
    private readonly dpop: DpopService,
    private readonly tokens: AccessTokenProvider,
  ) {}

  async credentials(token: string, method: string, url: string | undefined): Promise<CredentialHeaders> {
    const tokens = this.tokens;
    const tokenType = tokens.tokenTypeOf !== undefined ? tokens.tokenTypeOf(token) : tokens.getTokenInfo?.()?.tokenType;
    const headers = await this.dpop.resourceRequestHeaders(method, url!, token, tokenType);
    // A downgraded Bearer token goes without a proof, even one the caller set.
    return { DPoP: undefined, ...headers };
  }

  observe(grant: RequestGrant, response: ReceivedResponse): boolean {
    return this.dpop.rememberNonce(grant.boundUrl!, response.header('dpop-nonce'));
  }

  isChallenge(response: ReceivedResponse): boolean {
    return isResourceNonceChallenge(response.status, response.header('www-authenticate'));
  }
}

/** The scheme for a `DpopService` as the module passes it: DPoP when enabled, Bearer otherwise (no `dpop` option). @internal */
export function credentialSchemeFor(tokens: AccessTokenProvider, dpop: DpopService | undefined): CredentialScheme {
  return dpop?.enabled === true ? new DpopCredentialScheme(dpop, tokens) : BEARER_SCHEME;
}
