import { UNAUTHORIZED_RETRY_REPORTER } from '../core/unauthorized-retry-reporter.js';
import type { TokenRequestParameters } from '../options/token-request-parameters.interface.js';
import type { AccessTokenRequestOptions } from './token-event.interface.js';

/** What a view bound to parameters needs from the manager (structural, so the manager's file is not imported). @internal */
export interface ParameterisedTokenManager {
  getAccessToken(request?: AccessTokenRequestOptions): Promise<string>;
  invalidate(rejectedToken?: string, parameters?: TokenRequestParameters): void;
  renewRejected(rejectedToken: string, request?: AccessTokenRequestOptions): Promise<string>;
  peekFreshToken(parameters?: TokenRequestParameters): string | undefined;
  tokenTypeOf(token: string): string | undefined;
  [UNAUTHORIZED_RETRY_REPORTER](origin?: string, parameters?: TokenRequestParameters): void;
}

/**
 * The manager seen through one parameter set: an access-token provider (as request authorizers take
 * one) whose every call is for `parameters`, so a 401 invalidates and renews only their token.
 * @internal
 */
export class TokensForParameters {
  constructor(
    private readonly manager: ParameterisedTokenManager,
    private readonly parameters: TokenRequestParameters,
  ) {}

  getAccessToken(options?: { readonly signal?: AbortSignal }): Promise<string> {
    return this.manager.getAccessToken(this.request(options?.signal));
  }

  invalidate(rejectedToken?: string): void {
    this.manager.invalidate(rejectedToken, this.parameters);
  }

  renewRejected(rejectedToken: string, options?: { readonly signal?: AbortSignal }): Promise<string> {
    return this.manager.renewRejected(rejectedToken, this.request(options?.signal));
  }

  peekFreshToken(): string | undefined {
    return this.manager.peekFreshToken(this.parameters);
  }

  tokenTypeOf(token: string): string | undefined {
    return this.manager.tokenTypeOf(token);
  }

  [UNAUTHORIZED_RETRY_REPORTER](origin?: string): void {
    this.manager[UNAUTHORIZED_RETRY_REPORTER](origin, this.parameters);
  }

  private request(signal: AbortSignal | undefined): AccessTokenRequestOptions {
    return signal === undefined ? this.parameters : { ...this.parameters, signal };
  }
}
