import type { IssuedToken } from '../core/issued-token.interface.js';
import type { TokenEndpointClient } from '../endpoint/token-endpoint.client.js';
import { SessionTokenExpiredError } from '../errors/session-token-expired.error.js';
import type { ResolvedTokenOptions } from '../options/resolved-token-options.js';
import type { TokenSource } from './token-source.interface.js';

/**
 * Session mode: obtain a client-credentials token, POST `{ "code": ... }` with it as
 * Bearer to the exchange endpoint, and use the returned session token. The code is single-use, so the
 * exchange is sent at most once per instance: once the session token is gone (expired or rejected)
 * every caller gets `SessionTokenExpiredError`, never a re-exchange or a loop.
 *
 * A failure while obtaining the client-credentials token leaves the code unspent, so the next call
 * tries again; once the exchange request itself has been sent the code counts as spent.
 * @internal
 */
export class SessionExchangeSource implements TokenSource {
  #codeSpent = false;
  readonly #exchangeUrl: string;

  constructor(
    private readonly options: ResolvedTokenOptions,
    private readonly endpoint: TokenEndpointClient,
    private readonly clientCredentials: TokenSource,
  ) {
    // URL references resolve against the token URL, so `../sessions/exchange` works next to `/auth/token`.
    this.#exchangeUrl = new URL(options.sessionExchangeUrl!, options.tokenUrl).toString();
  }

  async fetchToken(signal: AbortSignal): Promise<IssuedToken> {
    if (this.#codeSpent) throw new SessionTokenExpiredError('expired');
    const bearer = await this.clientCredentials.fetchToken(signal);
    if (this.#codeSpent) throw new SessionTokenExpiredError('code already used');
    this.#codeSpent = true;
    return this.endpoint.exchangeSession(this.#exchangeUrl, this.options.revealCredentials().sessionCode!, bearer.accessToken, signal);
  }

  verifyToken(): Promise<undefined> {
    return Promise.resolve(undefined);
  }

  renewRejected(): Promise<IssuedToken> {
    return Promise.reject(new SessionTokenExpiredError('rejected'));
  }

  revokeQuietly(): Promise<void> {
    // A session token is not an RFC 7009 token of the authorization server: nothing to revoke.
    return Promise.resolve();
  }
}
