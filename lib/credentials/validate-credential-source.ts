import { statSync } from 'node:fs';
import type { Report } from '../options/option-checks.js';
import { CredentialError } from './credential.error.js';
import { CredentialProvider, isCredentialFile } from './credential-provider.js';
import { MAX_CREDENTIAL_FILE_BYTES } from './read-credential-file.js';

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
  if (isCredentialFile(value) && !fileIsReadable(value.file, `${field}.file`, report)) return undefined;
  if (typeof value !== 'function' && !isCredentialFile(value) && check.valueAllowed === false) {
    report(field, `must be ${check.expected}`);
    return undefined;
  }
  try {
    return new CredentialProvider({ option: field, source: value, parse: check.parse, timeoutMs: check.timeoutMs, reuseMs: check.reuseMs });
  } catch (error) {
    if (!(error instanceof CredentialError)) throw error;
    report(field, error.message.slice(error.message.indexOf(': ') + 2));
    return undefined;
  }
}

/** A missing secret file should fail at startup, as a missing variable does; later changes are read as they come. */
function fileIsReadable(path: string, field: string, report: Report): boolean {
  if (path === '') {
    report(field, 'must be a non-empty path');
    return false;
  }
  try {
    const stats = statSync(path);
    if (!stats.isFile()) report(field, `must name a regular file (${path})`);
    else if (stats.size > MAX_CREDENTIAL_FILE_BYTES) report(field, `names a file larger than 1 MiB (${path})`);
    else return true;
  } catch (error) {
    report(field, `names a file that cannot be read: ${(error as NodeJS.ErrnoException).code ?? 'unknown error'} (${path})`);
  }
  return false;
}
