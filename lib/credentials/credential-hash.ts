import { createHash } from 'node:crypto';
import { CredentialProvider } from './credential-provider.js';

const sha256Hex = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');

/**
 * What a cache or fleet key holds of the client's credentials: a SHA-256 that reveals nothing and
 * differs between two secrets or keys. Fixed credentials give what keys always held (the SHA-256 of
 * the client secret, of '' without one), so upgrading does not orphan stored tokens. A credential
 * that changes (function or file) is hashed by its value last read and, before the first read, by
 * its source, never by the value of another client.
 * @internal
 */
export function credentialHash(credentials: object): string {
  const providers = Object.entries(credentials as Record<string, unknown>).filter(
    (entry): entry is [string, CredentialProvider<unknown>] => entry[1] instanceof CredentialProvider,
  );
  if (!providers.some(([, provider]) => provider.changes)) {
    const secret = (credentials as { clientSecret?: unknown }).clientSecret;
    return secret instanceof CredentialProvider ? secret.hash! : sha256Hex('');
  }
  const parts = providers.filter(([name]) => name !== 'clientAssertion').map(([name, p]) => [name, p.hash ?? `unread ${p.sourceName}`]);
  return sha256Hex(JSON.stringify(parts));
}
