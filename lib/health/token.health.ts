import { Inject, Injectable, Logger, type OnModuleDestroy, Optional } from '@nestjs/common';
import { HealthIndicatorService, type HealthIndicatorResult, type HealthIndicatorStatus } from '@nestjs/terminus';
import type { Subscription } from 'rxjs';
import { DpopService } from '../dpop/dpop.service.js';
import type { DpopStatus } from '../dpop/dpop-status.interface.js';
import { describeError } from '../internal/describe-error.js';
import type { TokenEvent } from '../manager/token-event.interface.js';
import { TokenManagerService } from '../manager/token-manager.service.js';
import { DEFAULT_TOKEN_HEALTH_KEY, DEFAULT_TOKEN_HEALTH_TIMEOUT_MS } from './token-health.constants.js';
import type { TokenHealthCheckOptions } from './token-health-check-options.interface.js';

/** The class and message of the last failure; both are free of secrets by construction of `TokenError`. */
interface LastError {
  readonly class: string;
  readonly message: string;
}

/**
 * Terminus health indicator of the client-credentials token.
 *
 * - **up**: a valid token is cached or was acquired within the timeout.
 * - **degraded** (terminus 12; `up` on terminus 11): the cached token is still valid but the last
 *   refresh failed, so it will expire unless the token endpoint recovers.
 * - **down**: no valid token could be had.
 *
 * Data: `secondsToExpiry`, `lastRefreshAt` (ISO time), `lastError` (`{ class, message }` or null),
 * `serverClockOffsetSeconds` (the token server's clock minus this host's, estimated; absent when unknown),
 * `reason` when down, `store: 'degraded'` while the `store` does not answer (this instance then fetches
 * its own tokens: the fleet makes up to one extra token request per instance per refresh; the status
 * itself stays up, callers are served), and with DPoP `dpop: { mode, alg, thumbprint }` (the thumbprint is public: it is
 * in every issued token as `cnf.jkt`). Never the token, never credentials or keys.
 *
 * Add it to the providers of a module that imports `TerminusModule` and can inject `TokenManagerService`.
 */
@Injectable()
export class TokenHealthIndicator implements OnModuleDestroy {
  private readonly logger = new Logger('TokenHealth');
  #lastStatus: HealthIndicatorStatus = 'up';
  #lastRefreshAt: Date | undefined;
  #lastError: LastError | null = null;
  #lastRefreshFailed = false;
  #storeDegraded = false;
  readonly #subscription: Subscription;

  constructor(
    private readonly healthIndicatorService: HealthIndicatorService,
    private readonly tokens: TokenManagerService,
    @Optional() @Inject(DpopService) private readonly dpop?: DpopService,
  ) {
    this.#subscription = tokens.events$.subscribe((event) => this.observe(event));
  }

  /**
   * Checks that a valid token can be had; see the class description for the statuses. The default key
   * is `oauth2`, or `oauth2:<name>` for a named client.
   */
  async isHealthy<const Key extends string = typeof DEFAULT_TOKEN_HEALTH_KEY>(
    key?: Key,
    options: TokenHealthCheckOptions = {},
  ): Promise<HealthIndicatorResult<Key>> {
    const name = this.tokens.name;
    const session = this.healthIndicatorService.check(
      (key ?? (name === undefined ? DEFAULT_TOKEN_HEALTH_KEY : `${DEFAULT_TOKEN_HEALTH_KEY}:${name}`)) as Key,
    );
    const timeoutMs = options.timeoutMs ?? DEFAULT_TOKEN_HEALTH_TIMEOUT_MS;
    const deadline = AbortSignal.timeout(timeoutMs);
    try {
      await this.tokens.getAccessToken({ signal: deadline });
    } catch (error) {
      // On our own deadline the shared request goes on; its outcome arrives later through events$.
      const failure = deadline.aborted ? undefined : lastErrorOf(error);
      if (failure) this.#lastError = failure;
      const reason = failure ? 'no valid token: the token request failed' : `no valid token within ${timeoutMs} ms`;
      this.changeStatus('down', reason);
      return session.down({ ...this.snapshot(), reason });
    }
    const data = this.snapshot();
    if (this.#lastRefreshFailed && typeof session.degraded === 'function') {
      this.changeStatus('degraded', `the token is valid for ${data.secondsToExpiry} s but its refresh failed`);
      return session.degraded(data);
    }
    this.changeStatus('up', 'a valid token is available');
    return session.up(data);
  }

  /** Stops observing the token manager. */
  onModuleDestroy(): void {
    this.#subscription.unsubscribe();
  }

  /** Logs transitions only, so a health endpoint polled every few seconds does not flood the log. */
  private changeStatus(status: HealthIndicatorStatus, reason: string): void {
    if (status === this.#lastStatus) return;
    this.#lastStatus = status;
    const lastError = this.#lastError ? ` (last error ${this.#lastError.class}: ${this.#lastError.message})` : '';
    if (status === 'up') this.logger.log(`Token health up: ${reason}`);
    else this.logger.warn(`Token health ${status}: ${reason}${lastError}`);
  }

  private snapshot(): {
    secondsToExpiry: number | null;
    lastRefreshAt: string | null;
    lastError: LastError | null;
    serverClockOffsetSeconds?: number;
    store?: 'degraded';
    dpop?: Pick<DpopStatus, 'mode' | 'shared' | 'alg' | 'thumbprint'>;
  } {
    const info = this.tokens.getTokenInfo();
    const secondsToExpiry = info ? Math.max(0, Math.floor((info.expiresAt.getTime() - this.tokens.now()) / 1000)) : null;
    const lastRefreshAt = this.#lastRefreshAt ?? info?.obtainedAt;
    const offsetMs = info?.serverClockOffsetMs;
    const snapshot = {
      secondsToExpiry,
      lastRefreshAt: lastRefreshAt?.toISOString() ?? null,
      lastError: this.#lastError,
      ...(offsetMs !== undefined ? { serverClockOffsetSeconds: Math.round(offsetMs / 1000) } : {}),
      ...(this.#storeDegraded ? { store: 'degraded' as const } : {}),
    };
    const dpop = this.dpop?.status();
    if (dpop === undefined || dpop.mode === 'off') return snapshot;
    return {
      ...snapshot,
      dpop: { mode: dpop.mode, ...(dpop.shared !== undefined ? { shared: dpop.shared } : {}), alg: dpop.alg, thumbprint: dpop.thumbprint },
    };
  }

  private observe(event: TokenEvent): void {
    if (event.type === 'acquired' || event.type === 'refreshed') {
      this.#lastRefreshAt = event.at;
      this.#lastRefreshFailed = false;
    } else if (event.type === 'store_unavailable' || event.type === 'store_available') {
      this.#storeDegraded = event.type === 'store_unavailable';
    } else if (event.type === 'refresh_failed') {
      this.#lastRefreshFailed = true;
      this.#lastError = { class: event.errorClass, message: event.errorMessage };
    }
  }
}

/** The last error as health output shows it. */
function lastErrorOf(error: unknown): LastError {
  const { errorClass, errorMessage } = describeError(error);
  return { class: errorClass, message: errorMessage };
}
