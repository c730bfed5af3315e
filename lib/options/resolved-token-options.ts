import { inspect } from 'node:util';
import type { RetryOn401 } from '../http/http-options.interface.js';
import type { ResolvedHttpOptions } from './resolved-http-options.js';
import type { ClientAuthMethod, Clock } from './token-module-options.interface.js';

/** The validated, defaulted options every part of the module works from. @internal */
export interface ResolvedTokenSettings {
  readonly tokenUrl: string;
  readonly clientId: string;
  readonly scope?: string;
  readonly audience?: string;
  readonly resources: readonly string[];
  readonly extraParams: Readonly<Record<string, string>>;
  readonly clientAuthMethod: ClientAuthMethod;
  readonly refreshMarginSeconds: number;
  readonly defaultExpiresInSeconds: number;
  readonly requestTimeoutMs: number;
  readonly clock: Clock;
  /** The authorized HTTP client's configuration; undefined when the `http` option is absent. */
  readonly http?: ResolvedHttpOptions;
  readonly retryOn401: RetryOn401;
}

/**
 * Validated options. The client secret lives in a private field: it is invisible to
 * `util.inspect`, `JSON.stringify` and object spreading, and only the token endpoint client reads it.
 * @internal
 */
export class ResolvedTokenOptions implements ResolvedTokenSettings {
  readonly tokenUrl!: string;
  readonly clientId!: string;
  readonly scope?: string;
  readonly audience?: string;
  readonly resources!: readonly string[];
  readonly extraParams!: Readonly<Record<string, string>>;
  readonly clientAuthMethod!: ClientAuthMethod;
  readonly refreshMarginSeconds!: number;
  readonly defaultExpiresInSeconds!: number;
  readonly requestTimeoutMs!: number;
  readonly clock!: Clock;
  readonly http?: ResolvedHttpOptions;
  readonly retryOn401!: RetryOn401;
  readonly #clientSecret: string;

  constructor(settings: ResolvedTokenSettings, clientSecret: string) {
    Object.assign(this, settings);
    this.#clientSecret = clientSecret;
  }

  /** The client secret, for the token endpoint client only. */
  revealClientSecret(): string {
    return this.#clientSecret;
  }

  toJSON(): Record<string, unknown> {
    const { clock: _clock, ...rest } = this as ResolvedTokenSettings;
    return { ...rest, clientSecret: '[redacted]' };
  }

  [inspect.custom](): string {
    return `ResolvedTokenOptions ${inspect(this.toJSON())}`;
  }
}
