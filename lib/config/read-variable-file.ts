import { readFileSync, statSync } from 'node:fs';
import type { TokenConfigProblem } from '../errors/token-config.error.js';

/** Secrets and PEM files are small; anything larger is not what the variable should name. */
const MAX_FILE_BYTES = 1024 * 1024;

/**
 * The content of the file a `…_FILE` variable names, without trailing line breaks (`echo secret >
 * file` adds one), or undefined with a problem that names the variable and the path, never the
 * content. Only a regular file of at most 1 MiB is read, so `/dev/zero` cannot hang startup.
 * @internal
 */
export function readVariableFile(variable: string, path: string, problems: TokenConfigProblem[]): string | undefined {
  const fail = (why: string) => void problems.push({ field: variable, message: `${why} (${path})` });
  try {
    const stats = statSync(path);
    if (!stats.isFile()) return fail('must name a regular file');
    if (stats.size > MAX_FILE_BYTES) return fail('names a file larger than 1 MiB');
    const content = readFileSync(path, 'utf8').replace(/(\r?\n)+$/, '');
    return content === '' ? fail('names an empty file') : content;
  } catch (error) {
    return fail(`names a file that cannot be read: ${(error as NodeJS.ErrnoException).code ?? 'unknown error'}`);
  }
}
