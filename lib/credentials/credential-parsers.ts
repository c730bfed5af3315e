import type { KeyObject } from 'node:crypto';
import { readPrivateKey } from '../internal/private-key.js';

/** A secret: a non-empty string without surrounding whitespace (a stray space is a copy-paste accident, not a secret). @internal */
export function parseSecret(raw: unknown): string {
  if (typeof raw !== 'string') throw new Error(`must be a string, got ${raw === null ? 'null' : typeof raw}`);
  if (raw === '') throw new Error('is empty');
  if (raw.trim() !== raw) throw new Error('has leading or trailing whitespace');
  return raw;
}

/**
 * A private key: PEM (PKCS#8, PKCS#1, SEC1), a private JWK object, or a JWK in JSON text (a file), read by
 * the one private-key reader (`readPrivateKey`). Its own message is dropped: it could quote the input.
 * @internal
 */
export function parsePrivateKeyCredential(raw: unknown): KeyObject {
  const key = readPrivateKey(raw);
  if (typeof key === 'string' || key.type !== 'private') throw new Error('must be a PEM private key or a private JWK');
  return key;
}

/** A PEM certificate (chain), for `tls_client_auth`. @internal */
export function parseCertificatePem(raw: unknown): string {
  if (typeof raw !== 'string' || !raw.includes('-----BEGIN CERTIFICATE')) throw new Error('must be a PEM certificate');
  return raw;
}

/** A PEM private key, possibly encrypted (its passphrase is a separate option), for `tls_client_auth`. @internal */
export function parsePrivateKeyPem(raw: unknown): string {
  if (typeof raw !== 'string' || !raw.includes('PRIVATE KEY')) throw new Error('must be a PEM private key');
  return raw;
}
