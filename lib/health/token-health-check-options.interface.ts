import type { TokenRequestParameters } from '../options/token-request-parameters.interface.js';

/** Options of one `TokenHealthIndicator.isHealthy()` call. */
export interface TokenHealthCheckOptions {
  /** How long to wait for a token when none is cached or it expired, default 3000 ms. */
  readonly timeoutMs?: number | undefined;
  /**
   * Checks the token of these per-call parameters instead of the registration's (see
   * `TokenRequestParameters`): one check per API whose token matters, each under its own key.
   */
  readonly parameters?: TokenRequestParameters | undefined;
}
