import { type ConfigType, registerAs } from '@nestjs/config';
import { withRedactedPrinting } from '../options/printable-options.js';
import type { TokenModuleOptions } from '../options/token-module-options.interface.js';
import { tokenOptionsFromEnvironment } from './token-options-from-environment.js';

/** The config namespace of `tokenConfig` (`configService.get('oauth2')`). */
export const TOKEN_CONFIG_NAMESPACE = 'oauth2';

/**
 * The `oauth2` config namespace: `TokenModuleOptions` read from the `OAUTH2_*` environment variables
 * when `@nestjs/config` loads it. A bad environment fails at startup with one `TokenConfigError`.
 * `util.inspect` and `JSON.stringify` of it (`configService.get('oauth2')`) print secrets as
 * `[redacted]` and URLs without their query string; the values themselves are unchanged.
 *
 * ```ts
 * imports: [ConfigModule.forRoot(), TokenModule.forRootAsync(tokenConfig.asProvider())]
 * ```
 */
export const tokenConfig = registerAs(TOKEN_CONFIG_NAMESPACE, (): TokenModuleOptions =>
  withRedactedPrinting(tokenOptionsFromEnvironment(process.env)),
);

/** The type `tokenConfig` produces, for `@Inject(tokenConfig.KEY) config: TokenConfig`. */
export type TokenConfig = ConfigType<typeof tokenConfig>;
