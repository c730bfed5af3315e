import { createHash } from 'node:crypto';
import { withDeadline } from '../internal/with-deadline.js';
import { CredentialError } from './credential.error.js';
import type { CredentialFile, CredentialSource } from './credential-source.interface.js';
import { fileVersion, readCredentialFile } from './read-credential-file.js';

/** How long a function's answer is reused: the retries of one refresh share it, the next refresh asks again. */
export const CREDENTIAL_REUSE_MS = 5000;
/** How many earlier values stay known for scrubbing: an error may quote the credential of the request before a rotation. */
const REMEMBERED_VALUES = 4;

/** How one option's credential is read and checked. @internal */
export interface CredentialProviderSettings<T> {
  /** The option path, named in errors (`clientSecret`, `privateKeyJwt.key`). */
  readonly option: string;
  readonly source: CredentialSource<unknown>;
  /** Turns what the source gave into the credential; throws a short reason (never quoting the input). */
  readonly parse: (raw: unknown) => T;
  /** Deadline of one read (a function that hangs, a file on a stalled mount). */
  readonly timeoutMs: number;
  /** How long a function's answer is reused, default `CREDENTIAL_REUSE_MS`; 0 asks every time. */
  readonly reuseMs?: number | undefined;
}

/** One value read from a source. @internal */
export interface CredentialReading<T> {
  readonly value: T;
  /** SHA-256 of the raw value: compares versions and keys caches, reveals nothing. */
  readonly hash: string;
  readonly readAt: number;
  readonly fileSignature?: string;
}

/** Whether `value` is `{ file: string }` and nothing else (a JWK always has `kty`). @internal */
export function isCredentialFile(value: unknown): value is CredentialFile {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return false;
  const keys = Object.keys(value);
  return keys.length === 1 && keys[0] === 'file' && typeof (value as CredentialFile).file === 'string';
}

/**
 * One credential that may change while the application runs (see `CredentialSource`). Reads are
 * shared: concurrent callers wait for one read. A file is checked on every read (one `stat`) and read
 * again when it changed; a function's answer is reused for `reuseMs`. `reread()` ignores both, for
 * the one retry after `invalid_client`. Values live in private fields and never reach an error text.
 * @internal
 */
export class CredentialProvider<T> {
  readonly option: string;
  /** `value`, `function` or `file <path>`: what errors and docs call this source. */
  readonly sourceName: string;
  readonly #settings: CredentialProviderSettings<T>;
  #current: CredentialReading<T> | undefined;
  #reading: Promise<CredentialReading<T>> | undefined;
  #rereading: Promise<CredentialReading<T>> | undefined;
  readonly #remembered: string[] = [];

  constructor(settings: CredentialProviderSettings<T>) {
    this.#settings = settings;
    this.option = settings.option;
    const { source } = settings;
    this.sourceName = typeof source === 'function' ? 'function' : isCredentialFile(source) ? `file ${source.file}` : 'value';
    if (this.sourceName === 'value') this.#current = this.accept(source, undefined);
  }

  /** Whether the credential can change (a function or a file). */
  get changes(): boolean {
    return this.sourceName !== 'value';
  }

  /** SHA-256 (hex) of the value last read, undefined before the first read. */
  get hash(): string | undefined {
    return this.#current?.hash;
  }

  /** The raw values seen recently (the current one first), for scrubbing error texts. */
  get secrets(): readonly string[] {
    return this.#remembered;
  }

  /**
   * Takes the file content read at startup (see `validateCredentialSource`), so a broken file fails
   * startup and the fingerprint of the credential is known before the first token request.
   */
  prime(text: string, fileSignature: string): void {
    this.#current = this.accept(text, fileSignature);
  }

  /** The value last read, without reading (a plain value is read at construction). */
  peek(): T | undefined {
    return this.#current?.value;
  }

  /** The current credential. */
  async read(signal?: AbortSignal): Promise<T> {
    if (!this.changes) return this.#current!.value;
    return (await this.share(false, signal)).value;
  }

  /** The current credential and its hash. */
  async readWithHash(signal?: AbortSignal): Promise<CredentialReading<T>> {
    return this.changes ? this.share(false, signal) : this.#current!;
  }

  /** Reads the source again, ignoring reuse and file versions. */
  async reread(signal?: AbortSignal): Promise<CredentialReading<T>> {
    return this.changes ? this.share(true, signal) : this.#current!;
  }

  /** Concurrent reads share one; so do concurrent re-reads (a re-read never joins a plain read, which may reuse). */
  private share(force: boolean, signal: AbortSignal | undefined): Promise<CredentialReading<T>> {
    const start = () =>
      withDeadline(this.load(force), this.#settings.timeoutMs, () => this.error(`was not read within ${this.#settings.timeoutMs} ms`));
    let shared: Promise<CredentialReading<T>>;
    if (force) shared = this.#rereading ??= start().finally(() => (this.#rereading = undefined));
    else shared = this.#reading ??= start().finally(() => (this.#reading = undefined));
    // One caller's abort must not fail the read the others share.
    return signal === undefined ? shared : withDeadline(shared, 2 ** 31 - 1, () => this.error('was not read'), signal);
  }

  private async load(force: boolean): Promise<CredentialReading<T>> {
    const { source } = this.#settings;
    if (isCredentialFile(source)) {
      const version = await fileVersion(source.file).catch((error: Error) => {
        throw this.error(error.message);
      });
      if (!force && this.#current?.fileSignature === version.signature) return this.#current;
      const text = await readCredentialFile(source.file).catch((error: Error) => {
        throw this.error(error.message);
      });
      return (this.#current = this.accept(text, version.signature));
    }
    const reuseMs = this.#settings.reuseMs ?? CREDENTIAL_REUSE_MS;
    if (!force && this.#current !== undefined && Date.now() - this.#current.readAt < reuseMs) return this.#current;
    let raw: unknown;
    try {
      raw = await (source as () => unknown)();
    } catch {
      // The function's own error may quote what it fetched: only the fact is passed on.
      throw this.error('the function threw or rejected');
    }
    if (raw === undefined || raw === null || raw === '') throw this.error('the function returned no value');
    return (this.#current = this.accept(raw, undefined));
  }

  private accept(raw: unknown, fileSignature: string | undefined): CredentialReading<T> {
    const text = typeof raw === 'string' ? raw : JSON.stringify(raw);
    this.remember(text);
    let value: T;
    try {
      value = this.#settings.parse(raw);
    } catch (error) {
      throw this.error((error as Error).message);
    }
    const hash = createHash('sha256')
      .update(text ?? '', 'utf8')
      .digest('hex');
    return { value, hash, readAt: Date.now(), ...(fileSignature !== undefined ? { fileSignature } : {}) };
  }

  private remember(text: string | undefined): void {
    if (text === undefined || this.#remembered.includes(text)) return;
    this.#remembered.unshift(text);
    this.#remembered.length = Math.min(this.#remembered.length, REMEMBERED_VALUES);
  }

  private error(problem: string): CredentialError {
    return new CredentialError(this.option, this.sourceName, problem);
  }

  toJSON(): string {
    return `CredentialProvider(${this.option}: ${this.sourceName})`;
  }

  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return this.toJSON();
  }
}
