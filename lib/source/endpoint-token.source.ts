import { Logger } from '@nestjs/common';
import type { IssuedToken } from '../core/issued-token.interface.js';
import type { TokenEndpointClient } from '../endpoint/token-endpoint.client.js';
import { errorSummary } from '../internal/describe-error.js';
import type { CachedToken } from '../core/cached-token.js';
import type { ResolvedTokenOptions } from '../options/resolved-token-options.js';
import type { TokenParameterSet } from '../options/token-request-parameters.interface.js';
import type { TokenSource } from './token-source.interface.js';

/**
 * The ordinary source: client-credentials tokens from the token endpoint, with answers to gateways
 * that hand every caller the same token until it expires (WSO2 API Manager):
 *
 * - **revoke-and-refetch** (with `revocationUrl`): a token that arrives already within
 *   `refreshMarginSeconds` of expiry is the gateway's aging shared token; it is revoked (RFC 7009) and
 *   fetched once more. A cached token that is being replaced because it is stale is revoked first, so
 *   the gateway issues a new one at the first request. Never loops: at most one revocation per fetch.
 * - **stable-window verification**: a young token is re-verified by introspection (RFC 7662) when
 *   `introspectionUrl` is set, else by asking the token endpoint again (the gateway answers with the
 *   same token while it is valid, a new one once another instance revoked it).
 *
 * Without `revocationUrl` and `introspectionUrl` this is a plain token request.
 * @internal
 */
export class EndpointTokenSource implements TokenSource {
  private readonly logger: Logger;

  constructor(
    private readonly options: ResolvedTokenOptions,
    private readonly endpoint: TokenEndpointClient,
    loggerContext: string,
    /** The token parameters this source requests tokens for (default: the registration's). */
    private readonly parameters: TokenParameterSet = options,
  ) {
    this.logger = new Logger(loggerContext);
  }

  async fetchToken(signal: AbortSignal, current?: CachedToken): Promise<IssuedToken> {
    // A stale token being replaced is revoked first, so the gateway issues a new one.
    if (this.options.revokeAgingTokens && current !== undefined && this.isNearExpiry(current.expiresAtMs - this.options.clock())) {
      await this.revokeQuietly(current.value, signal);
    }
    return this.refetchIfAging(await this.endpoint.requestToken(signal, this.parameters), signal);
  }

  /**
   * A verification that fails (server down, timeout) keeps the cached token: it has not expired, and if
   * it was revoked the API's 401 leads to `renewRejected`. Failing every caller would turn a flaky
   * verification into an outage.
   */
  async verifyToken(cached: CachedToken, signal: AbortSignal): Promise<IssuedToken | undefined> {
    try {
      return await this.verify(cached, signal);
    } catch (error) {
      if (signal.aborted) throw error;
      this.logger.warn(`Stable-window verification failed, using the cached token: ${errorSummary(error)}`);
      return undefined;
    }
  }

  private async verify(cached: CachedToken, signal: AbortSignal): Promise<IssuedToken | undefined> {
    if (this.options.introspectionUrl !== undefined) {
      if (await this.endpoint.introspectToken(cached.value, signal)) return undefined;
      this.logger.debug('Young token is no longer active (introspection); fetching a new one');
      return this.fetchToken(signal);
    }
    const issued = await this.fetchToken(signal, cached);
    return issued.accessToken === cached.value ? undefined : issued;
  }

  async renewRejected(rejectedToken: string, signal: AbortSignal): Promise<IssuedToken> {
    const issued = await this.fetchToken(signal);
    if (issued.accessToken !== rejectedToken || this.options.revocationUrl === undefined) return issued;
    this.logger.debug('The token endpoint returned the rejected token; revoking it and fetching again');
    await this.revokeQuietly(rejectedToken, signal);
    return this.endpoint.requestToken(signal, this.parameters);
  }

  async revokeQuietly(token: string, signal?: AbortSignal): Promise<void> {
    try {
      await this.endpoint.revokeToken(token, signal);
    } catch (error) {
      // A failed revocation must not cost the caller its token: the gateway's aging token still works.
      this.logger.warn(`Token revocation failed: ${errorSummary(error)}`);
    }
  }

  /** Revoke-and-refetch, once: the gateway handed out its aging shared token. */
  private async refetchIfAging(issued: IssuedToken, signal: AbortSignal): Promise<IssuedToken> {
    if (!this.options.revokeAgingTokens || !this.isNearExpiry(issued.expiresInSeconds * 1000)) return issued;
    this.logger.debug(`Fetched token expires in ${issued.expiresInSeconds} s, within the refresh margin; revoking it and fetching again`);
    await this.revokeQuietly(issued.accessToken, signal);
    return this.endpoint.requestToken(signal, this.parameters);
  }

  /** Near expiry for gateway revoke-and-refetch: within the unclamped refresh margin. */
  private isNearExpiry(remainingMs: number): boolean {
    return remainingMs <= this.options.refreshMarginSeconds * 1000;
  }
}
