/** Options of one `TokenHealthIndicator.isHealthy()` call. */
export interface TokenHealthCheckOptions {
  /** How long to wait for a token when none is cached or it expired, default 3000 ms. */
  readonly timeoutMs?: number | undefined;
}
