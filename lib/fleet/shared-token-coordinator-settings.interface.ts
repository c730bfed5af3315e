import type { Logger } from '@nestjs/common';
import type { TokenStore } from '../core/token-store.interface.js';
import type { Clock } from '../options/token-module-options.interface.js';

/** What the coordinator needs to know. @internal */
export interface SharedTokenCoordinatorSettings {
  readonly store: TokenStore;
  /** Fingerprint of the client (`tokenCacheKey`). */
  readonly key: string;
  /** The manager's clock: decides whether a shared token is still fresh. */
  readonly clock: Clock;
  readonly refreshMarginSeconds: number;
  /** How long the fetch lease lives when its owner dies before releasing it. */
  readonly leaseMs: number;
  /** How long an instance waits for the lease owner before fetching a token itself. */
  readonly waitMs: number;
  /** Deadline of one store command; past it the store counts as failed and the instance fetches itself. */
  readonly commandTimeoutMs: number;
  readonly logger: Logger;
  /** Told when the store stops answering (this instance then fetches its own tokens) and when it answers again. */
  readonly onStoreAvailability?: (available: boolean) => void;
}
