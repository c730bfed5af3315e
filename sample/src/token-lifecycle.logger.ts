import { Injectable, Logger, type OnModuleDestroy } from '@nestjs/common';
import type { Subscription } from 'rxjs';
import { TokenManagerService } from '../../lib/index.js';

/** Shows the token lifecycle in the sample's log: events only, never a token value. */
@Injectable()
export class TokenLifecycleLogger implements OnModuleDestroy {
  private readonly logger = new Logger('TokenLifecycle');
  private readonly subscription: Subscription;

  constructor(tokens: TokenManagerService) {
    this.subscription = tokens.events$.subscribe((event) => this.logger.log(JSON.stringify(event)));
  }

  onModuleDestroy(): void {
    this.subscription.unsubscribe();
  }
}
