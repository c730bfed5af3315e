import type { InternalAxiosRequestConfig } from 'axios';

/**
 * Chooses, per request, between the two request interceptors the token interceptor registers, of
 * which axios runs exactly one: `runWhen` is asked for both, in order and about the same config,
 * before either runs. The synchronous one runs when a token is ready without I/O, so the common case
 * costs no promise hop, which is most of what an interceptor adds to a request. It takes the token its
 * `runWhen` found last: other interceptors may hand it another config object, and a token fresh that
 * recently will do.
 * @internal
 */
export class FastPathSelector {
  #token: string | undefined;
  #fastPathConfig: InternalAxiosRequestConfig | undefined;

  constructor(private readonly peekToken: () => string | undefined) {}

  /** The token the last `hasToken` found. */
  get token(): string {
    return this.#token!;
  }

  /** `runWhen` of the synchronous interceptor; a request with token parameters of its own waits for their token. */
  readonly hasToken = (config: InternalAxiosRequestConfig): boolean => {
    if (config.tokenParameters !== undefined) return false;
    const token = this.peekToken();
    if (token === undefined) return false;
    this.#token = token;
    this.#fastPathConfig = config;
    return true;
  };

  /** `runWhen` of the asynchronous interceptor: every request the synchronous one does not take. */
  readonly needsSlowPath = (config: InternalAxiosRequestConfig): boolean => {
    if (config !== this.#fastPathConfig) return true;
    this.#fastPathConfig = undefined;
    return false;
  };
}
