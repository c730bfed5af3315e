/** RFC 9449 §8.1: a nonce is 1*NQCHAR, visible ASCII without `"` and `\`. */
const NONCE_SYNTAX = /^[\x21\x23-\x5B\x5D-\x7E]+$/;
/** Nonces are per allowed origin, so this bound is never reached in practice; it caps a hostile server. */
const MAX_ORIGINS = 256;

/**
 * The last `DPoP-Nonce` each origin sent (RFC 9449 §8 and §9). Every response's header replaces
 * the remembered value, so a server rotating nonces is followed without extra round trips.
 * @internal
 */
export class DpopNonceStore {
  readonly #byOrigin = new Map<string, string>();

  /** The nonce to put in a proof for `url`, if its origin sent one. */
  get(url: string): string | undefined {
    return this.#byOrigin.get(new URL(url).origin);
  }

  /** Remembers the `DPoP-Nonce` header value of a response from `url`; returns whether a valid one was present. */
  remember(url: string, header: unknown): boolean {
    const nonce: unknown = Array.isArray(header) ? header[header.length - 1] : header;
    if (typeof nonce !== 'string' || !NONCE_SYNTAX.test(nonce)) return false;
    const { origin } = new URL(url);
    this.#byOrigin.delete(origin);
    if (this.#byOrigin.size >= MAX_ORIGINS) this.#byOrigin.delete(this.#byOrigin.keys().next().value as string);
    this.#byOrigin.set(origin, nonce);
    return true;
  }
}
