import type { InjectionToken, OptionalFactoryDependency } from '@nestjs/common';
import { TokenManagerService as ModuleTokenManager } from '../../lib/manager/token-manager.service.js';
import { TOKEN_MANAGER_COLLABORATORS } from '../../lib/manager/token-manager.providers.js';
import { TOKEN_CACHE_KEY } from '../../lib/manager/token-manager.tokens.js';
import { TokenEntries } from '../../lib/manager/token-entries.js';
import { TokenLifecycleReporter } from '../../lib/manager/token-lifecycle.reporter.js';
import type { ResolvedTokenOptions } from '../../lib/options/resolved-token-options.js';
import type { TokenEndpointClient } from '../../lib/endpoint/token-endpoint.client.js';
import { RESOLVED_TOKEN_OPTIONS, TOKEN_ENDPOINT_CLIENT } from '../../lib/core/injection-tokens.js';

type Dependency = InjectionToken | OptionalFactoryDependency;

/**
 * Builds a manager's collaborators outside Nest, from the same providers `TokenModule` lists, in
 * their order (each one's dependencies come before it). No DPoP, no client name.
 */
export function tokenManagerCollaborators(options: ResolvedTokenOptions, endpoint: TokenEndpointClient): Map<unknown, unknown> {
  const built = new Map<unknown, unknown>([
    [RESOLVED_TOKEN_OPTIONS, options],
    [TOKEN_ENDPOINT_CLIENT, endpoint],
  ]);
  for (const provider of TOKEN_MANAGER_COLLABORATORS) {
    const inject = (provider.inject ?? []) as Dependency[];
    const args = inject.map((dependency) => built.get(typeof dependency === 'object' ? dependency.token : dependency));
    built.set(provider.provide, provider.useFactory(...args));
  }
  return built;
}

/** `TokenManagerService` for tests that drive it directly with a scripted endpoint, outside a Nest module. */
export class TokenManagerService extends ModuleTokenManager {
  constructor(options: ResolvedTokenOptions, endpoint: TokenEndpointClient) {
    const built = tokenManagerCollaborators(options, endpoint);
    super(
      options,
      built.get(TokenEntries) as TokenEntries,
      built.get(TokenLifecycleReporter) as TokenLifecycleReporter,
      built.get(TOKEN_CACHE_KEY) as string,
    );
  }
}
