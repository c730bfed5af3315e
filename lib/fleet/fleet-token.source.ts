import type { CachedToken } from '../core/cached-token.js';
import type { IssuedToken } from '../core/issued-token.interface.js';
import { storeCommand } from '../store/store-command.js';
import type { SourcedToken, TokenSource } from '../source/token-source.interface.js';
import type { LocalFetch } from './obtained-token.interface.js';
import { SharedTokenCoordinator } from './shared-token.coordinator.js';
import type { SharedTokenCoordinatorSettings } from './shared-token-coordinator-settings.interface.js';

/**
 * Fleet sharing as a decorator over a token source (the shape of Go's `ReuseTokenSource`): a new or
 * renewed token comes from the store when another instance already fetched it, else from `inner` under
 * the store's lease, and is shared through the store (`SharedTokenCoordinator`). A token the manager
 * drops is deleted from the store if it is still the shared one. Stable-window verification and
 * revocation go to `inner` as they are.
 * @internal
 */
export class FleetTokenSource implements TokenSource {
  readonly #inner: TokenSource;
  readonly #settings: SharedTokenCoordinatorSettings;
  readonly #coordinator: SharedTokenCoordinator;

  constructor(inner: TokenSource, settings: SharedTokenCoordinatorSettings) {
    this.#inner = inner;
    this.#settings = settings;
    this.#coordinator = new SharedTokenCoordinator(settings);
  }

  fetchToken(signal: AbortSignal, current?: CachedToken): Promise<SourcedToken> {
    return this.obtain((fetchSignal) => this.#inner.fetchToken(fetchSignal, current), signal);
  }

  verifyToken(cached: CachedToken, signal: AbortSignal): Promise<IssuedToken | undefined> {
    return this.#inner.verifyToken(cached, signal);
  }

  /** Renewed through the lease too, so a fleet that sees the same 401 everywhere renews once. */
  renewRejected(rejectedToken: string, signal: AbortSignal): Promise<SourcedToken> {
    return this.obtain((fetchSignal) => this.#inner.renewRejected(rejectedToken, fetchSignal), signal);
  }

  revokeQuietly(token: string, signal?: AbortSignal): Promise<void> {
    return this.#inner.revokeQuietly(token, signal);
  }

  async discard(token: string): Promise<void> {
    await this.#coordinator.invalidate(token);
    await this.#inner.discard?.(token);
  }

  /** Closes the store within its command deadline; a store that fails to close is left to its owner. */
  async close(): Promise<void> {
    const { store, commandTimeoutMs } = this.#settings;
    if (store.close !== undefined) await storeCommand(store, (open) => open.close!(), commandTimeoutMs).catch(() => undefined);
    await this.#inner.close?.();
  }

  private async obtain(fetchLocally: LocalFetch, signal: AbortSignal): Promise<SourcedToken> {
    const { issued, obtainedAtMs } = await this.#coordinator.obtain(fetchLocally, signal);
    return { ...issued, obtainedAtMs };
  }
}
