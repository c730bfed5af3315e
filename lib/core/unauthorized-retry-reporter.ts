/**
 * The key of the method through which a token provider learns that the HTTP layer resent a request
 * once after a 401 (`(origin: string) => void`). The token manager implements it; an adapter given no
 * `onUnauthorizedRetry` callback reports through it when the provider has it.
 */
export const UNAUTHORIZED_RETRY_REPORTER = Symbol('nestjs-client-credentials:unauthorized-retry-reporter');
