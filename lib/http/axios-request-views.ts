import {
  type AxiosError,
  AxiosHeaders,
  type AxiosInstance,
  type AxiosResponse,
  CanceledError,
  type InternalAxiosRequestConfig,
  isAxiosError,
} from 'axios';
import type { OriginAllowlist } from '../authorizer/origin-allowlist.js';
import type { ReceivedResponse } from '../authorizer/credential-scheme.js';
import { isReplayableBody } from '../authorizer/replayable-body.js';
import type { OutgoingRequest } from '../authorizer/request-authorizer.js';
import type { CredentialHeaders } from '../authorizer/request-grant.js';
import { mayAuthorize } from './authorized-request.js';
import { withoutToken } from './token-free-error.js';

/** An axios request config as the authorizer reads it; the absolute URL is computed only when asked for. @internal */
export class AxiosOutgoingRequest implements OutgoingRequest {
  /** The request the interceptor may authorize (see `mayAuthorize`), with its origin as axios resolves it; else undefined. */
  static of(instance: AxiosInstance, config: InternalAxiosRequestConfig, allowlist: OriginAllowlist): AxiosOutgoingRequest | undefined {
    config.headers = AxiosHeaders.from(config.headers);
    return mayAuthorize(config) ? new AxiosOutgoingRequest(instance, config, allowlist.originOf(config)) : undefined;
  }

  constructor(
    private readonly instance: AxiosInstance,
    private readonly config: InternalAxiosRequestConfig,
    readonly origin: string | undefined,
  ) {}

  get method(): string {
    return this.config.method ?? 'get';
  }

  get headers(): { has(name: string): boolean } {
    return this.config.headers;
  }

  get replayable(): boolean {
    return isReplayableBody(this.config.data);
  }

  get signal(): AbortSignal | undefined {
    return abortSignalOf(this.config);
  }

  get tokenParameters(): InternalAxiosRequestConfig['tokenParameters'] {
    return this.config.tokenParameters;
  }

  url(): string {
    return this.instance.getUri(this.config);
  }
}

/** An axios answer as the authorizer reads it; `failure` is the error it came with, if any. @internal */
export class AxiosAnswer<E = unknown> implements ReceivedResponse {
  constructor(
    readonly response: AxiosResponse,
    readonly failure: E,
  ) {}

  get status(): number {
    return this.response.status;
  }

  header(name: string): unknown {
    return (this.response.headers as Record<string, unknown>)[name];
  }
}

/** The request's `signal` when the manager can listen to it (axios also accepts bare `{ aborted }` objects). @internal */
export function abortSignalOf(config: InternalAxiosRequestConfig): AbortSignal | undefined {
  const signal = config.signal as AbortSignal | undefined;
  return signal !== undefined && signal !== null && typeof signal.addEventListener === 'function' ? signal : undefined;
}

/** Sets each credential header; one the scheme owns but does not send this time is removed. @internal */
export function setCredentials(headers: AxiosHeaders, credentials: CredentialHeaders): void {
  for (const [name, value] of Object.entries(credentials)) {
    if (value === undefined) headers.delete(name);
    else headers.set(name, value);
  }
}

/** A waiting caller that aborted gets axios's `CanceledError` (its config without our token); other errors pass. @internal */
export function cancelledIfAborted(
  signal: AbortSignal | undefined,
  source: InternalAxiosRequestConfig | AxiosError,
): (error: unknown) => never {
  return (error) => {
    if (!signal?.aborted) throw error;
    throw new CanceledError(undefined, undefined, isAxiosError(source) ? withoutToken(source).config : source);
  };
}
