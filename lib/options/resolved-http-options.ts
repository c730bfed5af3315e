import type { AxiosRequestConfig } from 'axios';
import { inspect } from 'node:util';
import { urlForDisplay } from '../internal/url-for-display.js';
import type { TokenRequestParameters } from './token-request-parameters.interface.js';

/**
 * The validated `http` option: the axios configuration of the authorized client and its origin
 * allowlist. The axios configuration may hold API keys in headers or TLS keys in agents, so it lives
 * in a private field and `toJSON` / `inspect` show only the base URL and the allowlist.
 * @internal
 */
export class ResolvedHttpOptions {
  readonly baseURL?: string;
  /** Normalised origins (`URL.origin`), or `['*']`. */
  readonly allowedOrigins: readonly string[];
  /** Token parameters by normalised origin (`http.resources`); each origin is also in `allowedOrigins`. */
  readonly resources: ReadonlyMap<string, TokenRequestParameters>;
  /** Whether allowed origins are sent the `tlsClientAuth` certificate (RFC 8705 §3), default false. */
  readonly presentClientCertificate: boolean;
  readonly #axiosConfig: AxiosRequestConfig;

  constructor(
    axiosConfig: AxiosRequestConfig,
    allowedOrigins: readonly string[],
    resources: ReadonlyMap<string, TokenRequestParameters> = new Map(),
    presentClientCertificate = false,
  ) {
    if (axiosConfig.baseURL !== undefined) this.baseURL = axiosConfig.baseURL;
    this.allowedOrigins = allowedOrigins;
    this.resources = resources;
    this.presentClientCertificate = presentClientCertificate;
    this.#axiosConfig = axiosConfig;
  }

  /** The configuration for `axios.create()`. */
  axiosConfig(): AxiosRequestConfig {
    return { ...this.#axiosConfig };
  }

  toJSON(): Record<string, unknown> {
    return {
      baseURL: this.baseURL === undefined ? undefined : urlForDisplay(this.baseURL),
      allowedOrigins: this.allowedOrigins,
      ...(this.resources.size > 0 ? { resources: [...this.resources.keys()] } : {}),
      presentClientCertificate: this.presentClientCertificate,
    };
  }

  [inspect.custom](): string {
    return `ResolvedHttpOptions ${inspect(this.toJSON())}`;
  }
}
