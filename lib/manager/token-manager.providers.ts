import { type FactoryProvider, Logger, type Provider } from '@nestjs/common';
import { DpopService } from '../dpop/dpop.service.js';
import type { TokenEndpointClient } from '../endpoint/token-endpoint.client.js';
import { FleetTokenSource } from '../fleet/fleet-token.source.js';
import type { ResolvedTokenOptions } from '../options/resolved-token-options.js';
import { createTokenSource } from '../source/create-token-source.js';
import type { TokenSource } from '../source/token-source.interface.js';
import { tokenCacheKey } from '../core/token-store-keys.js';
import { RESOLVED_TOKEN_OPTIONS, TOKEN_CLIENT_NAME, TOKEN_ENDPOINT_CLIENT, TOKEN_TRACER } from '../core/injection-tokens.js';
import type { TokenTracer } from '../core/token-tracer.interface.js';
import { BackgroundRefresher } from './background-refresher.js';
import { RefreshFlight } from './refresh-flight.js';
import { TokenCache } from './token-cache.js';
import { TokenLifecycleReporter } from './token-lifecycle.reporter.js';
import { tokenManagerLogContext } from './token-manager-log-context.js';
import { TokenManagerService } from './token-manager.service.js';
import { TOKEN_CACHE_KEY, TOKEN_SOURCE } from './token-manager.tokens.js';

const CLIENT_NAME = { token: TOKEN_CLIENT_NAME, optional: true };

/** With a `store`, fleet sharing wraps the source; the manager never branches on it. */
function tokenSource(
  options: ResolvedTokenOptions,
  endpoint: TokenEndpointClient,
  cacheKey: string,
  reporter: TokenLifecycleReporter,
  name?: string,
): TokenSource {
  const logContext = tokenManagerLogContext(name);
  const source = createTokenSource(options, endpoint, logContext);
  if (options.store === undefined) return source;
  return new FleetTokenSource(source, {
    store: options.store,
    key: cacheKey,
    clock: options.clock,
    refreshMarginSeconds: options.refreshMarginSeconds,
    leaseMs: options.storeLeaseMs,
    waitMs: options.storeWaitMs,
    commandTimeoutMs: options.requestTimeoutMs,
    logger: new Logger(logContext),
    onStoreAvailability: (available) => reporter.storeAvailability(available),
  });
}

/**
 * The token manager and its collaborators, in the order they depend on each other: the composition
 * root of one client's token (`TokenModule` lists them; the manager only delegates).
 * @internal
 */
export const TOKEN_MANAGER_COLLABORATORS: readonly FactoryProvider[] = [
  {
    provide: TOKEN_CACHE_KEY,
    useFactory: (options: ResolvedTokenOptions, dpop?: DpopService) => tokenCacheKey(options.clientFingerprint, dpop?.thumbprint),
    inject: [RESOLVED_TOKEN_OPTIONS, { token: DpopService, optional: true }],
  },
  {
    provide: TokenLifecycleReporter,
    useFactory: (options: ResolvedTokenOptions, name?: string, tracer?: TokenTracer) =>
      new TokenLifecycleReporter(
        options.clock,
        tokenManagerLogContext(name),
        tracer ? { tracer, tokenUrl: options.tokenUrl, ...(name !== undefined ? { clientName: name } : {}) } : undefined,
      ),
    inject: [RESOLVED_TOKEN_OPTIONS, CLIENT_NAME, { token: TOKEN_TRACER, optional: true }],
  },
  {
    provide: TOKEN_SOURCE,
    useFactory: tokenSource,
    inject: [RESOLVED_TOKEN_OPTIONS, TOKEN_ENDPOINT_CLIENT, TOKEN_CACHE_KEY, TokenLifecycleReporter, CLIENT_NAME],
  },
  { provide: TokenCache, useFactory: (options: ResolvedTokenOptions) => new TokenCache(options), inject: [RESOLVED_TOKEN_OPTIONS] },
  {
    provide: RefreshFlight,
    useFactory: (options: ResolvedTokenOptions, cache: TokenCache, reporter: TokenLifecycleReporter) =>
      new RefreshFlight(options, cache, reporter),
    inject: [RESOLVED_TOKEN_OPTIONS, TokenCache, TokenLifecycleReporter],
  },
  {
    // `refreshInBackground`: null when off. One per cache entry; its fetch is the one a stale token's caller starts.
    provide: BackgroundRefresher,
    useFactory: (
      options: ResolvedTokenOptions,
      source: TokenSource,
      cache: TokenCache,
      flight: RefreshFlight,
      reporter: TokenLifecycleReporter,
    ) =>
      options.refreshInBackground
        ? new BackgroundRefresher(options, { cache, flight, reporter, fetch: (signal) => source.fetchToken(signal, cache.current) })
        : null,
    inject: [RESOLVED_TOKEN_OPTIONS, TOKEN_SOURCE, TokenCache, RefreshFlight, TokenLifecycleReporter],
  },
];

/** `TOKEN_MANAGER_COLLABORATORS` and the manager itself. @internal */
export const TOKEN_MANAGER_PROVIDERS: readonly Provider[] = [...TOKEN_MANAGER_COLLABORATORS, TokenManagerService];
