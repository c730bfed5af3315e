/**
 * A file that holds a credential, read again whenever it changes (a mounted Kubernetes secret is
 * replaced by an atomic symlink swap; Vault Agent and the Secrets Store CSI driver write the same way).
 * Trailing line breaks are dropped. At most 1 MiB.
 */
export interface CredentialFile {
  /** Path of the file. */
  readonly file: string;
}

/** A function that returns the current credential (from Vault, AWS Secrets Manager, a key vault, ...). */
export type CredentialFunction<T> = () => T | Promise<T>;

/**
 * A credential that may change while the application runs: the value itself, a function returning
 * it (sync or async), or `{ file }`. It is read when a token request needs it, reused briefly, and read
 * again when the token endpoint answers `invalid_client`.
 */
export type CredentialSource<T> = T | CredentialFunction<T> | CredentialFile;
