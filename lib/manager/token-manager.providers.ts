import { type FactoryProvider, Logger, type Provider } from '@nestjs/common';
import { DpopService } from '../dpop/dpop.service.js';
import { TokenConfigError } from '../errors/token-config.error.js';
import type { TokenEndpointClient } from '../endpoint/token-endpoint.client.js';
import { FleetTokenSource } from '../fleet/fleet-token.source.js';
import type { ResolvedTokenOptions } from '../options/resolved-token-options.js';
import { createTokenSource } from '../source/create-token-source.js';
import type { TokenSource } from '../source/token-source.interface.js';
import { parameterisedTokenCacheKey, tokenCacheKey } from '../core/token-store-keys.js';
import type { TokenParameterSet } from '../options/token-request-parameters.interface.js';
import { RESOLVED_TOKEN_OPTIONS, TOKEN_CLIENT_NAME, TOKEN_ENDPOINT_CLIENT, TOKEN_TRACER } from '../core/injection-tokens.js';
import type { TokenTracer } from '../core/token-tracer.interface.js';
import { BackgroundRefresher } from './background-refresher.js';
import { RefreshFlight } from './refresh-flight.js';
import { TokenCache } from './token-cache.js';
import { TokenEntries } from './token-entries.js';
import { TokenEntry } from './token-entry.js';
import { tokenEntryLabel } from './token-entry-label.js';
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
  parameters: TokenParameterSet = options,
): TokenSource {
  const logContext = tokenManagerLogContext(name);
  const source = createTokenSource(options, endpoint, logContext, parameters);
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
      TokenLifecycleReporter.forClient(
        options.clock,
        tokenManagerLogContext(name),
        tracer ? { tracer, tokenUrl: options.tokenUrl, ...(name !== undefined ? { clientName: name } : {}) } : undefined,
        tokenEntryLabel(undefined, options),
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
    provide: TokenEntries,
    useFactory: tokenEntries,
    inject: [
      RESOLVED_TOKEN_OPTIONS,
      TOKEN_SOURCE,
      TokenCache,
      RefreshFlight,
      TokenLifecycleReporter,
      TOKEN_ENDPOINT_CLIENT,
      TOKEN_CACHE_KEY,
      CLIENT_NAME,
    ],
  },
  {
    // `refreshInBackground`: null when off. The registration's entry; per-call entries get theirs in `tokenEntries`.
    provide: BackgroundRefresher,
    useFactory: (options: ResolvedTokenOptions, entries: TokenEntries) =>
      options.refreshInBackground ? (entries.registered.background = backgroundRefresher(options, entries.registered)) : null,
    inject: [RESOLVED_TOKEN_OPTIONS, TokenEntries],
  },
];

const SESSION_MODE_HAS_ONE_TOKEN = () =>
  new TokenConfigError(
    [{ field: 'sessionExchange', message: 'a session token belongs to its one code: per-request token parameters are not available' }],
    'token request parameters',
  );

/**
 * The registration's entry from the collaborators above, and the factory of per-call entries: the same
 * collaborators again (cache, flight, source), for the call's parameters, under their own fleet key.
 */
function tokenEntries(
  options: ResolvedTokenOptions,
  source: TokenSource,
  cache: TokenCache,
  flight: RefreshFlight,
  reporter: TokenLifecycleReporter,
  endpoint: TokenEndpointClient,
  cacheKey: string,
  name?: string,
): TokenEntries {
  const registered = new TokenEntry(cache, flight, source, reporter, options.clock);
  const create = (parameters: TokenParameterSet, parametersKey: string) => {
    // The session code is single-use: a second parameter set would spend it again.
    if (options.sessionExchangeUrl !== undefined) throw SESSION_MODE_HAS_ONE_TOKEN();
    const storeKey = parameterisedTokenCacheKey(cacheKey, parametersKey);
    const entryReporter = reporter.forEntry(tokenEntryLabel(storeKey, parameters));
    const entryCache = new TokenCache(options);
    const entrySource = tokenSource(options, endpoint, storeKey, reporter, name, parameters);
    const entry = new TokenEntry(
      entryCache,
      new RefreshFlight(options, entryCache, entryReporter),
      entrySource,
      entryReporter,
      options.clock,
    );
    if (options.refreshInBackground) entry.background = backgroundRefresher(options, entry, askedForWithinALifetime(entry, options.clock));
    return entry;
  };
  return new TokenEntries(registered, options, create, options.maxCachedTokens);
}

/** `refreshInBackground` for one entry, through the same fetch a caller with a stale token starts. */
function backgroundRefresher(options: ResolvedTokenOptions, entry: TokenEntry, wanted?: () => boolean): BackgroundRefresher {
  const { cache, flight, reporter, fetchNew: fetch } = entry;
  return new BackgroundRefresher(options, { cache, flight, reporter, fetch, wanted });
}

/**
 * Whether a per-call entry was asked for within the last lifetime of its token: a parameter set nobody
 * uses any more is not refreshed forever (its next caller refreshes it, and the timer starts again).
 */
function askedForWithinALifetime(entry: TokenEntry, clock: () => number): () => boolean {
  return () => {
    const token = entry.cache.current;
    return token !== undefined && clock() - entry.lastAskedAtMs < token.expiresAtMs - token.obtainedAtMs;
  };
}

/** `TOKEN_MANAGER_COLLABORATORS` and the manager itself. @internal */
export const TOKEN_MANAGER_PROVIDERS: readonly Provider[] = [...TOKEN_MANAGER_COLLABORATORS, TokenManagerService];
