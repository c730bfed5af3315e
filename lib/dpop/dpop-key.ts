import { createPublicKey, type KeyObject } from 'node:crypto';
import { inspect } from 'node:util';
import type { DpopAlgorithm, DpopJwk } from '../options/dpop-options.interface.js';
import { loadDpopJose } from './dpop-jose.js';
import type { JoseModule } from '../internal/jose.loader.js';
import type { DpopKeySource, ResolvedDpopOptions } from '../options/resolved-dpop-options.js';

/** The members of a public JWK that RFC 7638 hashes, per key type; nothing else is ever published. */
const PUBLIC_MEMBERS: Readonly<Record<string, readonly string[]>> = {
  EC: ['kty', 'crv', 'x', 'y'],
  RSA: ['kty', 'n', 'e'],
  OKP: ['kty', 'crv', 'x'],
};

/**
 * The key pair a module instance proves possession of. The private key stays in a private field (a
 * non-extractable `CryptoKey` when generated for this process alone); the public JWK and its RFC 7638
 * thumbprint are public and fixed for the life of the instance, which is what the IdP binds tokens
 * to (`cnf.jkt`).
 * @internal
 */
export class DpopKey {
  readonly #privateKey: CryptoKey | KeyObject;
  readonly #jose: JoseModule;

  private constructor(
    jose: JoseModule,
    privateKey: CryptoKey | KeyObject,
    /** Where the key came from. */
    readonly source: DpopKeySource,
    /** The JWS algorithm of every proof. */
    readonly alg: DpopAlgorithm,
    /** The public key, as put in every proof's `jwk` header. */
    readonly publicJwk: DpopJwk,
    /** RFC 7638 SHA-256 thumbprint of the public key, base64url: the `jkt` tokens are bound to. */
    readonly thumbprint: string,
    /** Whether a generated key is the fleet's, agreed on through the token store (false: this process's own). */
    readonly shared: boolean,
  ) {
    this.#jose = jose;
    this.#privateKey = privateKey;
  }

  /** The configured key, or an ephemeral non-extractable pair of `options.alg` for this process alone. */
  static async create(options: ResolvedDpopOptions): Promise<DpopKey> {
    const configured = await options.revealPrivateKey();
    if (configured) return DpopKey.fromPrivateKey(configured, options.alg, { source: 'configured', shared: false });
    const jose = await loadDpopJose();
    const pair = await jose.generateKeyPair(options.alg, { extractable: false });
    return DpopKey.assemble(jose, pair.privateKey, await jose.exportJWK(pair.publicKey), options.alg, {
      source: 'ephemeral',
      shared: false,
    });
  }

  /** A key from a Node private key already checked against `alg` (configured, or adopted from the store). */
  static async fromPrivateKey(
    privateKey: KeyObject,
    alg: DpopAlgorithm,
    origin: { source: DpopKeySource; shared: boolean },
  ): Promise<DpopKey> {
    const fullPublicJwk = createPublicKey(privateKey).export({ format: 'jwk' }) as Record<string, unknown>;
    return DpopKey.assemble(await loadDpopJose(), privateKey, fullPublicJwk, alg, origin);
  }

  private static async assemble(
    jose: JoseModule,
    privateKey: CryptoKey | KeyObject,
    fullPublicJwk: Record<string, unknown>,
    alg: DpopAlgorithm,
    origin: { source: DpopKeySource; shared: boolean },
  ): Promise<DpopKey> {
    const publicJwk = publicMembers(fullPublicJwk);
    const thumbprint = await jose.calculateJwkThumbprint(publicJwk, 'sha256');
    return new DpopKey(jose, privateKey, origin.source, alg, publicJwk, thumbprint, origin.shared);
  }

  /** Signs a DPoP proof: `typ: dpop+jwt` with the public key in the `jwk` header (RFC 9449 §4.2). */
  sign(claims: Record<string, unknown>): Promise<string> {
    return new this.#jose.SignJWT(claims)
      .setProtectedHeader({ typ: 'dpop+jwt', alg: this.alg, jwk: { ...this.publicJwk } })
      .sign(this.#privateKey);
  }

  toJSON(): Record<string, unknown> {
    return { source: this.source, shared: this.shared, alg: this.alg, thumbprint: this.thumbprint };
  }

  [inspect.custom](): string {
    return `DpopKey ${inspect(this.toJSON())}`;
  }
}

/** Only the public members, so a private JWK given as the key can never leak `d` into a proof. */
function publicMembers(jwk: Record<string, unknown>): DpopJwk {
  const members = PUBLIC_MEMBERS[String(jwk.kty)] ?? [];
  return Object.freeze(Object.fromEntries(members.filter((name) => jwk[name] !== undefined).map((name) => [name, jwk[name]])));
}
