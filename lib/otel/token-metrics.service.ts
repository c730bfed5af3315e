import { Inject, Injectable, type OnModuleDestroy, Optional } from '@nestjs/common';
import { type Counter, type Histogram, type Meter, metrics, type ObservableGauge, type ObservableResult } from '@opentelemetry/api';
import type { Subscription } from 'rxjs';
import { DEFAULT_TOKEN_ENTRY_ID } from '../manager/token-entry-label.js';
import type { TokenEvent } from '../manager/token-event.interface.js';
import { TokenManagerService } from '../manager/token-manager.service.js';
import { entryAttributes } from './entry-attributes.js';
import { TOKEN_METER, TOKEN_METER_NAME, TOKEN_METRICS } from './token-metrics.constants.js';

/**
 * Records the token lifecycle as OpenTelemetry metrics (see `TOKEN_METRICS`), from
 * `TokenManagerService.events$`. Uses the global meter provider through `@opentelemetry/api`, so it
 * costs nothing and records nothing until an SDK is registered; register the SDK before the Nest
 * application is created, or provide a `Meter` under `TOKEN_METER`.
 *
 * Add it to the providers of a module that can inject `TokenManagerService`.
 */
@Injectable()
export class TokenMetricsService implements OnModuleDestroy {
  readonly #requests: Counter;
  readonly #requestDuration: Histogram;
  readonly #secondsToExpiry: ObservableGauge;
  readonly #unauthorizedRetries: Counter;
  readonly #serverClockOffset: ObservableGauge;
  readonly #backgroundRefreshes: Counter;
  readonly #storeDegraded: ObservableGauge;
  /** 1 while the store does not answer, 0 after it answers again; undefined before any outage. */
  #storeDegradedValue: number | undefined;
  readonly #subscription: Subscription;

  constructor(
    private readonly tokens: TokenManagerService,
    @Optional() @Inject(TOKEN_METER) meter?: Meter,
  ) {
    const recorder = meter ?? metrics.getMeter(TOKEN_METER_NAME);
    this.#requests = recorder.createCounter(TOKEN_METRICS.requests, { description: 'OAuth2 token requests by outcome', unit: '{request}' });
    this.#requestDuration = recorder.createHistogram(TOKEN_METRICS.requestDuration, {
      description: 'Duration of OAuth2 token requests',
      unit: 's',
    });
    this.#secondsToExpiry = recorder.createObservableGauge(TOKEN_METRICS.secondsToExpiry, {
      description: 'Seconds until the cached access token expires',
      unit: 's',
    });
    this.#unauthorizedRetries = recorder.createCounter(TOKEN_METRICS.unauthorizedRetries, {
      description: 'Requests retried once after a 401 with a fresh token',
      unit: '{request}',
    });
    this.#serverClockOffset = recorder.createObservableGauge(TOKEN_METRICS.serverClockOffset, {
      description: "Token server's clock minus this host's, estimated from the last token response",
      unit: 's',
    });
    this.#backgroundRefreshes = recorder.createCounter(TOKEN_METRICS.backgroundRefreshes, {
      description: 'Refreshes started by refreshInBackground, by outcome',
      unit: '{refresh}',
    });
    this.#secondsToExpiry.addCallback(this.observeExpiry);
    this.#serverClockOffset.addCallback(this.observeClockOffset);
    this.#storeDegraded = recorder.createObservableGauge(TOKEN_METRICS.storeDegraded, {
      description: '1 while the token store does not answer and this instance fetches its own tokens',
      unit: '1',
    });
    this.#storeDegraded.addCallback(this.observeStore);
    this.#subscription = tokens.events$.subscribe((event) => this.record(event));
  }

  /** Stops observing the token manager. */
  onModuleDestroy(): void {
    this.#subscription.unsubscribe();
    this.#secondsToExpiry.removeCallback(this.observeExpiry);
    this.#serverClockOffset.removeCallback(this.observeClockOffset);
    this.#storeDegraded.removeCallback(this.observeStore);
  }

  private record(event: TokenEvent): void {
    switch (event.type) {
      case 'acquired':
      case 'refreshed':
        this.#requests.add(1, { ...entryAttributes(event.entry), outcome: 'success' });
        this.#requestDuration.record(event.durationMs / 1000, { ...entryAttributes(event.entry), outcome: 'success' });
        break;
      case 'refresh_failed':
        this.#requests.add(1, { ...entryAttributes(event.entry), outcome: 'failure', 'error.type': event.errorClass });
        this.#requestDuration.record(event.durationMs / 1000, { ...entryAttributes(event.entry), outcome: 'failure' });
        break;
      case 'unauthorized_retry':
        this.#unauthorizedRetries.add(1, entryAttributes(event.entry));
        break;
      case 'background_refresh':
        this.#backgroundRefreshes.add(1, { ...entryAttributes(event.entry), outcome: event.outcome });
        break;
      case 'store_unavailable':
      case 'store_available':
        this.#storeDegradedValue = event.type === 'store_unavailable' ? 1 : 0;
        break;
      case 'invalidated':
        break;
    }
  }

  private readonly observeExpiry = (result: ObservableResult): void => {
    const now = this.tokens.now();
    for (const { entry, token } of this.tokens.getTokenEntries()) {
      if (token === null) continue;
      const seconds = Math.max(0, (token.expiresAt.getTime() - now) / 1000);
      // A per-call token nobody asks for lapses by design: only the registration's is watched down to 0.
      if (seconds > 0 || entry.id === DEFAULT_TOKEN_ENTRY_ID) result.observe(seconds, entryAttributes(entry));
    }
  };

  private readonly observeClockOffset = (result: ObservableResult): void => {
    for (const { entry, token } of this.tokens.getTokenEntries()) {
      if (token?.serverClockOffsetMs !== undefined) result.observe(token.serverClockOffsetMs / 1000, entryAttributes(entry));
    }
  };

  private readonly observeStore = (result: ObservableResult): void => {
    if (this.#storeDegradedValue !== undefined) result.observe(this.#storeDegradedValue);
  };
}
