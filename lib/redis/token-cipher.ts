import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

/** A 32-byte AES-256 key: a Buffer, or a base64 string of 32 bytes (`openssl rand -base64 32`). */
export type TokenEncryptionKey = string | Uint8Array;

const ALGORITHM = 'aes-256-gcm';
const KEY_BYTES = 32;
const IV_BYTES = 12;
const TAG_BYTES = 16;
/** Version tag of the encrypted format, so it can evolve without misreading old values. */
const ENCRYPTED_PREFIX = 'e1.';
const PLAIN_PREFIX = 'p1.';

/**
 * Seals stored tokens with AES-256-GCM when keys are configured. Encrypts with the first key and
 * decrypts with any of them, which is what key rotation needs. The Redis key name is bound in as
 * additional authenticated data, so a value copied under another client's key does not decrypt.
 * Without keys it only encodes (the value then holds the token in clear).
 * @internal
 */
export class TokenCipher {
  readonly #keys: readonly Buffer[];

  /** @throws Error naming the index of a key that is not 32 bytes (never its value). */
  constructor(keys: readonly TokenEncryptionKey[]) {
    this.#keys = keys.map((key, index) => {
      const bytes = typeof key === 'string' ? Buffer.from(key, 'base64') : Buffer.from(key);
      if (bytes.length !== KEY_BYTES) throw new Error(`encryption key ${index} is ${bytes.length} bytes, expected ${KEY_BYTES}`);
      return bytes;
    });
  }

  get encrypts(): boolean {
    return this.#keys.length > 0;
  }

  seal(plaintext: string, associatedData: string): string {
    const [key] = this.#keys;
    if (key === undefined) return PLAIN_PREFIX + Buffer.from(plaintext, 'utf8').toString('base64');
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv(ALGORITHM, key, iv, { authTagLength: TAG_BYTES });
    cipher.setAAD(Buffer.from(associatedData, 'utf8'));
    const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    return ENCRYPTED_PREFIX + Buffer.concat([iv, cipher.getAuthTag(), ciphertext]).toString('base64');
  }

  /** The plaintext, or `undefined` when no configured key opens it (or it is not in a known format). */
  open(sealed: string, associatedData: string): string | undefined {
    if (sealed.startsWith(PLAIN_PREFIX)) {
      // A plain value is not trusted once encryption is on: it could have been planted.
      return this.encrypts ? undefined : Buffer.from(sealed.slice(PLAIN_PREFIX.length), 'base64').toString('utf8');
    }
    if (!sealed.startsWith(ENCRYPTED_PREFIX)) return undefined;
    const bytes = Buffer.from(sealed.slice(ENCRYPTED_PREFIX.length), 'base64');
    if (bytes.length <= IV_BYTES + TAG_BYTES) return undefined;
    const iv = bytes.subarray(0, IV_BYTES);
    const tag = bytes.subarray(IV_BYTES, IV_BYTES + TAG_BYTES);
    const ciphertext = bytes.subarray(IV_BYTES + TAG_BYTES);
    for (const key of this.#keys) {
      try {
        const decipher = createDecipheriv(ALGORITHM, key, iv, { authTagLength: TAG_BYTES });
        decipher.setAAD(Buffer.from(associatedData, 'utf8'));
        decipher.setAuthTag(tag);
        return Buffer.concat([decipher.update(ciphertext), decipher.final()]).toString('utf8');
      } catch {
        // Not this key (or tampered): try the next one.
      }
    }
    return undefined;
  }
}
