import { createPrivateKey, type KeyObject } from 'node:crypto';

/**
 * A private key as given in the options (DPoP's `privateKey`, `private_key_jwt`'s `key`), read once:
 * a PEM string (PKCS#8, SEC1, PKCS#1), a private JWK as JSON text, or a private JWK object. Otherwise
 * why not: `absent`, `unsupported` (neither PEM nor JWK) or `unreadable` (a public key, a malformed PEM
 * or JWK). The parser's own message is dropped: it may quote key material.
 * @internal
 */
export function readPrivateKey(value: unknown): KeyObject | 'absent' | 'unsupported' | 'unreadable' {
  if (value === undefined || value === null || value === '') return 'absent';
  try {
    if (typeof value === 'string') {
      const text = value.trim();
      if (text.startsWith('{')) return createPrivateKey({ key: JSON.parse(text) as never, format: 'jwk' });
      if (text.startsWith('-----BEGIN')) return createPrivateKey({ key: text, format: 'pem' });
      return 'unsupported';
    }
    if (typeof value === 'object' && !Array.isArray(value)) return createPrivateKey({ key: value as never, format: 'jwk' });
  } catch {
    return 'unreadable';
  }
  return 'unsupported';
}
