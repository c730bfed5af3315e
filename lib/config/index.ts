/**
 * `nestjs-client-credentials/config`: TokenModule options from `OAUTH2_*` environment variables
 * through `@nestjs/config` (optional peers: `@nestjs/config`, `zod`).
 * @packageDocumentation
 */
export { TOKEN_CONFIG_NAMESPACE, tokenConfig, type TokenConfig } from './token.config.js';
export { tokenOptionsFromEnvironment } from './token-options-from-environment.js';
export { TOKEN_ENVIRONMENT_VARIABLES, type TokenEnvironmentKind, type TokenEnvironmentVariable } from './token-environment.variables.js';
