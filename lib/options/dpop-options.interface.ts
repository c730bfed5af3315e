import type { CredentialSource } from '../credentials/credential-source.interface.js';

/** JWS algorithms a DPoP key may sign with (RFC 9449 §4.2; `none` and MACs are not allowed). */
export type DpopAlgorithm = 'ES256' | 'RS256' | 'PS256' | 'EdDSA';

/** A JSON Web Key (RFC 7517) as plain members. */
export type DpopJwk = Readonly<Record<string, unknown>>;

/**
 * DPoP with a key the application provides, so every process of the fleet (and every restart) proves
 * possession of the same key and the IdP sees one stable thumbprint.
 */
export interface DpopKeyOptions {
  /**
   * The private key: a JWK object, a JWK as JSON text, or a PKCS#8 / SEC1 / PKCS#1 PEM string; or a
   * provider of it: `{ file }` (read at startup) or a function (sync or async, called once when the
   * module starts). Read once: its thumbprint binds the tokens and keys the token cache, so a new DPoP
   * key takes a restart. Never logged.
   */
  privateKey: CredentialSource<DpopJwk | string>;
  /** Signing algorithm, default `ES256`. Must fit the key: ES256 needs EC P-256, RS256/PS256 RSA ≥ 2048 bits, EdDSA Ed25519. */
  alg?: DpopAlgorithm | undefined;
  /**
   * Accept a `token_type` of `Bearer` from the IdP, default false. Without it a Bearer answer is a
   * `TokenResponseError`: the IdP ignored the proof, so the token is not sender-constrained.
   */
  allowBearerDowngrade?: boolean | undefined;
}

/**
 * DPoP with a key pair generated at startup (with `jose`), for when no key is managed. With a `store`
 * that can share secrets (`TokenStore.claimSharedSecret`, as `RedisTokenStore` and `MemoryTokenStore`
 * do), every process of the fleet adopts the one key the store holds, so the fleet shares one token,
 * and running processes keep it alive there (re-offered every 6 h); otherwise each process has its own
 * key and its own token.
 */
export interface DpopGeneratedKeyOptions {
  /** Generate the key pair at startup; `dpop: true` is the shorthand for `{ generateKey: true }`. */
  generateKey: true;
  /** Signing algorithm of the generated key, default `ES256`: `ES256` (EC P-256), `RS256` / `PS256` (RSA 2048), `EdDSA` (Ed25519). */
  alg?: DpopAlgorithm | undefined;
  /** As in `DpopKeyOptions`: accept a `token_type` of `Bearer` from the IdP, default false. */
  allowBearerDowngrade?: boolean | undefined;
}

/**
 * The `dpop` option: `false` (or absent) for off; `true` or `{ generateKey: true, ... }` for a key pair
 * generated at startup (shared through the `store` when it can, see `DpopGeneratedKeyOptions`); or
 * `{ privateKey, ... }` for a key of your own.
 */
export type DpopOption = true | false | DpopKeyOptions | DpopGeneratedKeyOptions;
