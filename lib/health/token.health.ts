import { Inject, Injectable, Logger, type OnModuleDestroy, Optional } from '@nestjs/common';
import { HealthIndicatorService, type HealthIndicatorResult, type HealthIndicatorStatus } from '@nestjs/terminus';
import type { Subscription } from 'rxjs';
import { DpopService } from '../dpop/dpop.service.js';
import type { DpopStatus } from '../dpop/dpop-status.interface.js';
import type { TokenEntryLabel } from '../manager/token-entry-label.js';
import type { TokenEntryInfo, TokenInfo } from '../manager/token-info.interface.js';
import type { TokenEvent } from '../manager/token-event.interface.js';
import type { TokenRequestParameters } from '../options/token-request-parameters.interface.js';
import { EntryRefreshLog, type EntryRefreshState, type LastError } from './entry-refresh-log.js';
import { TokenManagerService } from '../manager/token-manager.service.js';
import { DEFAULT_TOKEN_HEALTH_KEY, DEFAULT_TOKEN_HEALTH_TIMEOUT_MS } from './token-health.constants.js';
import type { TokenHealthCheckOptions } from './token-health-check-options.interface.js';

/** Below this many entry states the log is not pruned between checks. */
const MIN_PRUNE_SIZE = 64;

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
 * Per-call token parameters: the check is of the registration's token unless `parameters` name
 * another (then its data has `entry`, the label of that token); the registration's check lists the
 * other cached tokens under `entries` (label, `secondsToExpiry`, `lastRefreshAt`, `lastError`,
 * `refreshFailed`), at most `maxCachedTokens`; their failures do not change its status.
 *
 * Add it to the providers of a module that imports `TerminusModule` and can inject `TokenManagerService`.
 */
@Injectable()
export class TokenHealthIndicator implements OnModuleDestroy {
  private readonly logger = new Logger('TokenHealth');
  #lastStatus: HealthIndicatorStatus = 'up';
  readonly #refreshes = new EntryRefreshLog();
  #pruneAbove = MIN_PRUNE_SIZE;
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
    const parameters = options.parameters;
    const deadline = AbortSignal.timeout(timeoutMs);
    try {
      await this.tokens.getAccessToken({ ...parameters, signal: deadline });
    } catch (error) {
      // On our own deadline the shared request goes on; its outcome arrives later through events$.
      const checked = this.tokens.getTokenEntry(parameters);
      const failure = deadline.aborted ? undefined : this.#refreshes.failed(checked?.entry.id, error);
      const reason = failure ? 'no valid token: the token request failed' : `no valid token within ${timeoutMs} ms`;
      this.changeStatus('down', reason, failure);
      return session.down({
        ...this.snapshot(parameters, checked),
        ...(checked === null && failure ? { lastError: failure } : {}),
        reason,
      });
    }
    const checked = this.tokens.getTokenEntry(parameters);
    const data = this.snapshot(parameters, checked);
    if (checked !== null && this.#refreshes.of(checked.entry.id).lastRefreshFailed && typeof session.degraded === 'function') {
      this.changeStatus('degraded', `the token is valid for ${data.secondsToExpiry} s but its refresh failed`, data.lastError);
      return session.degraded(data);
    }
    this.changeStatus('up', 'a valid token is available', null);
    return session.up(data);
  }

  /** Stops observing the token manager. */
  onModuleDestroy(): void {
    this.#subscription.unsubscribe();
  }

  /** Logs transitions only, so a health endpoint polled every few seconds does not flood the log. */
  private changeStatus(status: HealthIndicatorStatus, reason: string, lastError: LastError | null | undefined): void {
    if (status === this.#lastStatus) return;
    this.#lastStatus = status;
    if (status === 'up') return this.logger.log(`Token health up: ${reason}`);
    this.logger.warn(`Token health ${status}: ${reason}${lastError ? ` (last error ${lastError.class}: ${lastError.message})` : ''}`);
  }

  /** The data of the check of `checked`, the entry of `parameters` (null: none is held). */
  private snapshot(parameters: TokenRequestParameters | undefined, checked: TokenEntryInfo | null): TokenHealthData {
    const snapshot: TokenHealthData = {
      ...this.entryData(checked?.token ?? null, checked ? this.#refreshes.of(checked.entry.id) : undefined),
      ...(checked?.token?.serverClockOffsetMs !== undefined
        ? { serverClockOffsetSeconds: Math.round(checked.token.serverClockOffsetMs / 1000) }
        : {}),
      ...(this.#storeDegraded ? { store: 'degraded' as const } : {}),
      ...(parameters !== undefined && checked !== null ? { entry: checked.entry } : {}),
      ...(parameters === undefined ? this.otherEntries() : {}),
    };
    const dpop = this.dpop?.status();
    if (dpop === undefined || dpop.mode === 'off') return snapshot;
    return {
      ...snapshot,
      dpop: { mode: dpop.mode, ...(dpop.shared !== undefined ? { shared: dpop.shared } : {}), alg: dpop.alg, thumbprint: dpop.thumbprint },
    };
  }

  /** What health output says of one entry's token and refreshes. */
  private entryData(info: TokenInfo | null, state: EntryRefreshState | undefined): EntryHealthData {
    const secondsToExpiry = info ? Math.max(0, Math.floor((info.expiresAt.getTime() - this.tokens.now()) / 1000)) : null;
    const lastRefreshAt = state?.lastRefreshAt ?? info?.obtainedAt;
    return { secondsToExpiry, lastRefreshAt: lastRefreshAt?.toISOString() ?? null, lastError: state?.lastError ?? null };
  }

  /** The cached tokens of per-call parameters, under `entries`; the states of entries the manager evicted are forgotten. */
  private otherEntries(): { entries?: OtherEntryHealthData[] } {
    const held = this.forgetEvicted();
    const others = held.slice(1).map(({ entry, token }) => {
      const state = this.#refreshes.of(entry.id);
      return { ...entry, ...this.entryData(token, state), refreshFailed: state.lastRefreshFailed };
    });
    return others.length > 0 ? { entries: others } : {};
  }

  private observe(event: TokenEvent): void {
    if (event.type === 'store_unavailable' || event.type === 'store_available') this.#storeDegraded = event.type === 'store_unavailable';
    else this.#refreshes.observe(event);
    if (this.#refreshes.size > this.#pruneAbove) this.forgetEvicted();
  }

  /** Forgets the states of entries the manager evicted; the next pruning happens at twice the size left. */
  private forgetEvicted(): TokenEntryInfo[] {
    const held = this.tokens.getTokenEntries();
    this.#refreshes.retainOnly(new Set(held.map(({ entry }) => entry.id)));
    this.#pruneAbove = Math.max(MIN_PRUNE_SIZE, 2 * this.#refreshes.size);
    return held;
  }
}

/** What the check of one token reports. */
type EntryHealthData = {
  secondsToExpiry: number | null;
  lastRefreshAt: string | null;
  lastError: LastError | null;
};

/** A cached token of per-call parameters, as the registration's check lists it. */
type OtherEntryHealthData = TokenEntryLabel & EntryHealthData & { refreshFailed: boolean };

/** The data of a check. */
type TokenHealthData = EntryHealthData & {
  serverClockOffsetSeconds?: number;
  store?: 'degraded';
  entry?: TokenEntryLabel;
  entries?: OtherEntryHealthData[];
  dpop?: Pick<DpopStatus, 'mode' | 'shared' | 'alg' | 'thumbprint'>;
};
