import { Inject, Injectable, Logger, type OnApplicationBootstrap, Optional } from '@nestjs/common';
import { errorSummary } from '../internal/describe-error.js';
import { tokenManagerLogContext } from '../manager/token-manager-log-context.js';
import { TokenManagerService } from '../manager/token-manager.service.js';
import type { ResolvedTokenOptions } from '../options/resolved-token-options.js';
import { nameStartupError } from '../registration/name-startup-error.js';
import { RESOLVED_TOKEN_OPTIONS, TOKEN_CLIENT_NAME } from '../core/injection-tokens.js';

/**
 * The `warmUp` option: requests the first token while the application starts, so a wrong URL, a
 * wrong secret or an IdP that is down shows at `app.init()` instead of at the first call. `fail`
 * rejects startup with the endpoint's error (named after the registration); `log` logs it as a
 * warning and starts anyway (callers then get the manager's usual retries and cooldown). Both wait
 * for the first token, retries included, before startup goes on.
 * @internal
 */
@Injectable()
export class TokenWarmUp implements OnApplicationBootstrap {
  constructor(
    @Inject(RESOLVED_TOKEN_OPTIONS) private readonly options: ResolvedTokenOptions,
    @Inject(TokenManagerService) private readonly manager: TokenManagerService,
    @Optional() @Inject(TOKEN_CLIENT_NAME) private readonly name?: string,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const mode = this.options.warmUp;
    if (mode === 'off') return;
    const logger = new Logger(tokenManagerLogContext(this.name));
    try {
      await this.manager.getAccessToken();
      logger.log('Warm-up: first token acquired at startup');
    } catch (error) {
      if (mode === 'fail') throw nameStartupError(error, this.name);
      logger.warn(`Warm-up: the first token request failed (${errorSummary(error)}); starting anyway, the first caller tries again`);
    }
  }
}
