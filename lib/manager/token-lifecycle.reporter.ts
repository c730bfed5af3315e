import { describeError } from '../internal/describe-error.js';
import { Logger } from '@nestjs/common';
import { filter, type Observable } from 'rxjs';
import type { CachedToken } from '../core/cached-token.js';
import type { IssuedToken } from '../core/issued-token.interface.js';
import type { TracedRequest, TracedWait } from '../core/token-tracer.interface.js';
import { isoInstant } from '../internal/iso-instant.js';
import { urlForDisplay } from '../internal/url-for-display.js';
import type { ResolvedTokenSettings } from '../options/resolved-token-options.js';
import { MAX_TOKEN_LIFETIME_SECONDS } from '../options/token-options.defaults.js';
import type { ScheduledRetry } from '../retry/retry-transient-failures.js';
import { LifecycleChannel, type LifecycleTracing } from './lifecycle-channel.js';
import { DEFAULT_TOKEN_ENTRY_ID, type TokenEntryLabel } from './token-entry-label.js';
import type { TokenEvent } from './token-event.interface.js';

/**
 * A server clock further off than this is logged, once per client: past it the refresh margin no longer
 * absorbs the skew for JWTs whose `iat`/`nbf` a resource server checks against its own clock.
 */
export const SERVER_CLOCK_OFFSET_WARNING_MS = 30_000;

/** The settings the startup line names. @internal */
export type DescribedClient = Pick<ResolvedTokenSettings, 'clientId' | 'tokenUrl' | 'clientAuthMethod' | 'sessionExchangeUrl'>;

/**
 * What happens to one client's token, told twice: as `events$` for programs (metrics, health) and as log
 * lines for people. Neither carries a token or a secret; error text has its control characters escaped.
 * The client's reporter speaks for its registration's entry; `forEntry` gives each per-call entry its own,
 * on the same stream, its events and log lines carrying the entry's label.
 * @internal
 */
export class TokenLifecycleReporter {
  readonly #channel: LifecycleChannel;
  readonly #entry: TokenEntryLabel;
  /** How log lines name the entry: nothing for the registration's. */
  readonly #logSuffix: string;
  #tokensObtained = 0;

  /** Every event of the client, whichever entry it concerns. */
  readonly events$: Observable<TokenEvent>;
  /** The events of this reporter's entry only. */
  readonly entryEvents$: Observable<TokenEvent>;

  /** The reporter of a client's registration entry; `forEntry` derives those of its other entries. */
  static forClient(
    clock: () => number,
    logContext: string,
    tracing?: LifecycleTracing,
    entry: TokenEntryLabel = { id: DEFAULT_TOKEN_ENTRY_ID },
  ): TokenLifecycleReporter {
    return new TokenLifecycleReporter(new LifecycleChannel(clock, new Logger(logContext), tracing), entry);
  }

  private constructor(channel: LifecycleChannel, entry: TokenEntryLabel) {
    this.#channel = channel;
    this.#entry = entry;
    const { id, resourceOrigin } = this.#entry;
    this.#logSuffix = id === DEFAULT_TOKEN_ENTRY_ID ? '' : ` [token ${id}${resourceOrigin !== undefined ? ` for ${resourceOrigin}` : ''}]`;
    this.events$ = this.#channel.events.asObservable();
    this.entryEvents$ = this.events$.pipe(filter((event) => 'entry' in event && event.entry === this.#entry));
  }

  /** The label of the entry this reporter speaks for. */
  get entry(): TokenEntryLabel {
    return this.#entry;
  }

  /** The reporter of another entry of the same client: same stream, logger and tracer. */
  forEntry(entry: TokenEntryLabel): TokenLifecycleReporter {
    return new TokenLifecycleReporter(this.#channel, entry);
  }

  /** The span of one token request with its retries; undefined when nothing traces. */
  traceTokenRequest(): TracedRequest | undefined {
    const tracing = this.#channel.tracing;
    if (tracing === undefined) return undefined;
    const { tracer, tokenUrl, clientName } = tracing;
    return tracer.startExchange({
      operation: 'token_request',
      url: tokenUrl,
      grantType: 'client_credentials',
      entry: this.#entry,
      ...(clientName !== undefined ? { clientName } : {}),
    });
  }

  /** The span of a caller waiting on `request` (linked to it); undefined when nothing traces. */
  traceWait(request: TracedRequest | undefined): TracedWait | undefined {
    const tracing = this.#channel.tracing;
    return request === undefined ? undefined : tracing?.tracer.startWait(request, tracing.clientName);
  }

  /** The startup line: which client gets its tokens from which endpoint (never a secret or a query string). */
  started({ clientId, tokenUrl, clientAuthMethod, sessionExchangeUrl }: DescribedClient): void {
    const session =
      sessionExchangeUrl !== undefined
        ? `; session tokens from POST ${urlForDisplay(new URL(sessionExchangeUrl, tokenUrl).toString())}`
        : '';
    this.#channel.logger.log(
      `Client ${JSON.stringify(clientId)} gets its tokens from POST ${urlForDisplay(tokenUrl)} (${clientAuthMethod})${session}`,
    );
  }

  /** A token response whose lifetime was assumed or shortened, or whose server's clock is far off. */
  issued(issued: IssuedToken): void {
    this.serverClockOffset(issued.serverClockOffsetMs);
    if (issued.expiresInDefaulted) this.#channel.logger.debug('Token response has no expires_in: defaultExpiresInSeconds assumed');
    if (issued.expiresInCapped)
      this.#channel.logger.debug(
        `Token response's expires_in exceeds the longest lifetime believed: capped to ${MAX_TOKEN_LIFETIME_SECONDS} s`,
      );
  }

  private serverClockOffset(offsetMs: number | undefined): void {
    if (offsetMs === undefined || Math.abs(offsetMs) <= SERVER_CLOCK_OFFSET_WARNING_MS || this.#channel.warnedClockOffset) return;
    this.#channel.warnedClockOffset = true;
    const seconds = Math.round(Math.abs(offsetMs) / 1000);
    this.#channel.logger.warn(
      `The token server's clock is about ${seconds} s ${offsetMs > 0 ? 'ahead of' : 'behind'} this host's (estimated from its answer); ` +
        `check NTP on both: resource servers may reject its tokens as not yet valid or expired. Token expiry still counts from when each request was sent, by this host's clock`,
    );
  }

  /** A new token: `acquired` for the first one of this client, `refreshed` after. */
  obtained(token: CachedToken): void {
    const durationMs = this.#channel.clock() - token.obtainedAtMs;
    const expiresInSeconds = (token.expiresAtMs - token.obtainedAtMs) / 1000;
    const type = this.#tokensObtained++ === 0 ? 'acquired' : 'refreshed';
    this.#channel.logger.debug(
      `Token ${type} in ${durationMs} ms, expires in ${expiresInSeconds} s, stale from ${isoInstant(token.refreshAtMs)}${this.#logSuffix}`,
    );
    this.#channel.events.next({ type, ...this.stamp(), durationMs, expiresInSeconds });
  }

  retrying({ retry, delayMs, error }: ScheduledRetry): void {
    const { errorClass, errorMessage } = describeError(error);
    this.#channel.logger.debug(`Token request failed (${errorClass}: ${errorMessage}); retry ${retry} in ${delayMs} ms${this.#logSuffix}`);
    this.#channel.events.next({ type: 'retrying', ...this.stamp(), retry, delayMs, errorClass, errorMessage });
  }

  /** A refresh failed for good; `servedUntilMs` is when the cached token still served meanwhile expires. */
  refreshFailed(error: unknown, durationMs: number, cooldownMs: number, servedUntilMs: number | undefined): void {
    const { errorClass, errorMessage } = describeError(error);
    const fallback = servedUntilMs !== undefined ? `; serving the cached token until it expires at ${isoInstant(servedUntilMs)}` : '';
    this.#channel.logger.warn(
      `Token refresh failed after ${durationMs} ms: ${errorClass}: ${errorMessage}; next attempt in ${cooldownMs} ms at the earliest${fallback}${this.#logSuffix}`,
    );
    this.#channel.events.next({ type: 'refresh_failed', ...this.stamp(), durationMs, errorClass, errorMessage });
  }

  /** A refresh `refreshInBackground` started has ended (its outcome was reported just before). */
  backgroundRefresh(outcome: 'success' | 'failure'): void {
    this.#channel.events.next({ type: 'background_refresh', ...this.stamp(), outcome });
  }

  invalidated(): void {
    this.#channel.logger.debug(`Cached token invalidated${this.#logSuffix}`);
    this.#channel.events.next({ type: 'invalidated', ...this.stamp() });
  }

  /** The HTTP layer resent a request once after a 401, with a new token. */
  unauthorizedRetry(origin: string | undefined): void {
    this.#channel.logger.debug(
      `Request${origin ? ` to ${origin}` : ''} got a 401 with the cached token; resent once with a new token${this.#logSuffix}`,
    );
    this.#channel.events.next({
      type: 'unauthorized_retry',
      ...this.stamp(),
      ...(origin !== undefined ? { origin } : {}),
    });
  }

  /** The fleet's store stopped (false) or resumed (true) answering; the log lines are the coordinator's. */
  storeAvailability(available: boolean): void {
    this.#channel.events.next({ type: available ? 'store_available' : 'store_unavailable', at: new Date(this.#channel.clock()) });
  }

  /** No event follows: `events$` completes. */
  close(): void {
    this.#channel.events.complete();
  }

  /** When an event of this entry happens, and which entry it is. */
  private stamp(): { readonly at: Date; readonly entry: TokenEntryLabel } {
    return { at: new Date(this.#channel.clock()), entry: this.#entry };
  }
}
