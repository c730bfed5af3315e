import type { UNAUTHORIZED_RETRY_REPORTER } from '../core/unauthorized-retry-reporter.js';
import type { TokenManagerService } from '../manager/token-manager.service.js';

/**
 * What the gRPC bindings need from a token manager (a `TokenManagerService` has all of it). With
 * `peekFreshToken`, calls that find a fresh cached token are authorized synchronously; with
 * `[UNAUTHORIZED_RETRY_REPORTER]`, each resend after UNAUTHENTICATED is reported as an `unauthorized_retry` event.
 */
export type GrpcTokenSource = Pick<TokenManagerService, 'getAccessToken' | 'invalidate' | 'renewRejected'> &
  Partial<Pick<TokenManagerService, 'peekFreshToken' | typeof UNAUTHORIZED_RETRY_REPORTER>>;

/** The `authorization` metadata value for `token`: gRPC carries it as HTTP/2 header (RFC 6750 §2.1). */
export function bearerAuthorization(token: string): string {
  return `Bearer ${token}`;
}

/** Why a call could not get a token, in words that hold no secret (token errors are scrubbed at the source). */
export function tokenFailureDetails(error: unknown): string {
  return `Access token unavailable: ${error instanceof Error ? error.message : 'unknown error'}`;
}
