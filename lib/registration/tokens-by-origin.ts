import type { AccessTokenProvider } from '../authorizer/access-token-provider.js';
import type { TokenManagerService } from '../manager/token-manager.service.js';
import type { ResolvedHttpOptions } from '../options/resolved-http-options.js';

/**
 * The token provider of each origin of `http.resources` (`manager.tokensFor(parameters)`), for the
 * module's `HttpService` and its fetch alike. Checked now, so bad per-origin parameters fail startup
 * (a `TokenConfigError` naming the origin), not the first request.
 * @internal
 */
export function tokensByOrigin(http: ResolvedHttpOptions, manager: TokenManagerService): ReadonlyMap<string, AccessTokenProvider> {
  for (const [origin, parameters] of http.resources) manager.checkParameters(parameters, `http.resources["${origin}"]`);
  return new Map([...http.resources].map(([origin, parameters]) => [origin, manager.tokensFor(parameters)] as const));
}
