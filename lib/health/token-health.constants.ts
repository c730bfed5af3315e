/** How long a health check waits for a token when none is cached, by default. */
export const DEFAULT_TOKEN_HEALTH_TIMEOUT_MS = 3000;
/** The default key of the indicator in the health check result. */
export const DEFAULT_TOKEN_HEALTH_KEY = 'oauth2';
