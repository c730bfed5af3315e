import { readFileSync, statSync } from 'node:fs';
import type { Report } from './option-checks.js';
import { CredentialError } from '../credentials/credential.error.js';
import { CredentialProvider, isCredentialFile } from '../credentials/credential-provider.js';
import { credentialText, fileSignature, MAX_CREDENTIAL_FILE_BYTES } from '../credentials/read-credential-file.js';

/** How a credential option is read: its parser, and the deadline of one read. @internal */
export interface CredentialCheck<T> {
  readonly parse: (raw: unknown) => T;
  readonly timeoutMs: number;
  /** Whether a plain value is accepted (`clientAssertion` takes only a file or a function: a fixed assertion expires). */
  readonly valueAllowed?: boolean;
  /** What the option takes, for the problem reported when it is missing or of the wrong kind. */
  readonly expected: string;
  /** How long a function's answer is reused (see `CredentialProviderSettings.reuseMs`). */
  readonly reuseMs?: number;
}

/**
 * Checks one credential option (`CredentialSource`) and returns its provider. A plain value is parsed
 * now; a `{ file }` must name a readable regular file now (it is read again whenever it changes); a
 * function is called at the first token request. Problems name the option and the path, never a value.
 * Undefined when the option is absent or reported.
 * @internal
 */
export function validateCredentialSource<T>(
  value: unknown,
  field: string,
  check: CredentialCheck<T>,
  report: Report,
): CredentialProvider<T> | undefined {
  if (value === undefined) return undefined;
  if (value !== null && typeof value === 'object' && 'file' in value && !isCredentialFile(value)) {
    report(field, '{ file } takes exactly one key, file, holding a path');
    return undefined;
  }
  const startupRead = isCredentialFile(value) ? readAtStartup(value.file, field, report) : undefined;
  if (isCredentialFile(value) && startupRead === undefined) return undefined;
  if (typeof value !== 'function' && !isCredentialFile(value) && check.valueAllowed === false) {
    report(field, `must be ${check.expected}`);
    return undefined;
  }
  try {
    const provider = new CredentialProvider({
      option: field,
      source: value,
      parse: check.parse,
      timeoutMs: check.timeoutMs,
      reuseMs: check.reuseMs,
    });
    if (startupRead !== undefined) provider.prime(startupRead.text, startupRead.signature);
    return provider;
  } catch (error) {
    if (!(error instanceof CredentialError)) throw error;
    report(field, error.message.slice(`${error.option} (${error.source}): `.length));
    return undefined;
  }
}

/**
 * A missing or broken credential file fails startup, as a missing variable does; later versions are
 * read as they come. Problems name the path, never the content.
 */
function readAtStartup(path: string, field: string, report: Report): { text: string; signature: string } | undefined {
  if (path === '') return void report(field, '{ file } must hold a non-empty path');
  try {
    const stats = statSync(path);
    if (!stats.isFile()) return void report(field, `must name a regular file (${path})`);
    if (stats.size > MAX_CREDENTIAL_FILE_BYTES) return void report(field, `names a file larger than 1 MiB (${path})`);
    const text = credentialText(readFileSync(path, 'utf8'));
    if (text === '') return void report(field, `names an empty file (${path})`);
    return { text, signature: fileSignature(stats) };
  } catch (error) {
    return void report(field, `names a file that cannot be read: ${(error as NodeJS.ErrnoException).code ?? 'unknown error'} (${path})`);
  }
}
