import { type AxiosInstance, type InternalAxiosRequestConfig, isAxiosError } from 'axios';
import type { TokenManagerMock } from './token-manager.mock.js';

/** Marks a request already retried after a 401, so a second 401 is returned to the caller. */
const RETRIED_AFTER_UNAUTHORIZED = 'tokenTestingRetried';

/**
 * Authorizes `instance` with the mock's token and retries once on a 401 with the next token.
 *
 * A stand-in until the package's `attachTokenInterceptor` (the authorized HTTP feature) is merged;
 * the testing module must then use that, so tests run the same Bearer and 401 logic as production.
 * @internal
 */
export function authorizeWithMock(instance: AxiosInstance, tokens: TokenManagerMock): void {
  instance.interceptors.request.use(async (config) => {
    config.headers.set('Authorization', `Bearer ${await tokens.getAccessToken()}`);
    return config;
  });
  instance.interceptors.response.use(undefined, async (error: unknown) => {
    const config = isAxiosError(error) ? (error.config as (InternalAxiosRequestConfig & Record<string, unknown>) | undefined) : undefined;
    if (!isAxiosError(error) || error.response?.status !== 401 || config === undefined || config[RETRIED_AFTER_UNAUTHORIZED]) throw error;
    const sent = String(config.headers.get('Authorization') ?? '');
    tokens.invalidate(sent.startsWith('Bearer ') ? sent.slice('Bearer '.length) : undefined);
    tokens.recordUnauthorizedRetry();
    return instance.request({ ...config, [RETRIED_AFTER_UNAUTHORIZED]: true } as InternalAxiosRequestConfig);
  });
}
