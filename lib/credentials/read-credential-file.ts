import type { Stats } from 'node:fs';
import { open, stat } from 'node:fs/promises';

/** Secrets, keys and assertions are small; anything larger is not what the option should name. */
export const MAX_CREDENTIAL_FILE_BYTES = 1024 * 1024;

/** What identifies one version of a file: an atomic swap or an in-place write changes at least one part. @internal */
export interface FileVersion {
  readonly signature: string;
}

/**
 * The version of the file `path` names now. `stat` follows symlinks, so a Kubernetes `..data` swap
 * shows as a new inode. Rejects with a short reason (an errno code), never file content.
 * @internal
 */
export async function fileVersion(path: string): Promise<FileVersion> {
  const stats = await stat(path).catch((error: NodeJS.ErrnoException) => {
    throw new Error(`cannot be read: ${error.code ?? 'unknown error'}`);
  });
  if (!stats.isFile()) throw new Error('is not a regular file');
  if (stats.size > MAX_CREDENTIAL_FILE_BYTES) throw new Error('is larger than 1 MiB');
  return { signature: fileSignature(stats) };
}

/** What changes when a file is replaced (new inode) or rewritten in place (size, times). @internal */
export function fileSignature(stats: Stats): string {
  return `${stats.dev}:${stats.ino}:${stats.size}:${stats.mtimeMs}:${stats.ctimeMs}`;
}

/** File content as a credential: trailing line breaks dropped (`echo secret > file` adds one). @internal */
export function credentialText(content: string): string {
  return content.replace(/(\r?\n)+$/, '');
}

/**
 * The content of `path` without trailing line breaks (`echo secret > file` adds one). At most 1 MiB is
 * read, so `/dev/zero` behind a symlink cannot exhaust memory.
 * @internal
 */
export async function readCredentialFile(path: string): Promise<string> {
  const handle = await open(path, 'r').catch((error: NodeJS.ErrnoException) => {
    throw new Error(`cannot be read: ${error.code ?? 'unknown error'}`);
  });
  try {
    const buffer = Buffer.alloc(MAX_CREDENTIAL_FILE_BYTES + 1);
    const { bytesRead } = await handle.read(buffer, 0, buffer.length, 0);
    if (bytesRead > MAX_CREDENTIAL_FILE_BYTES) throw new Error('is larger than 1 MiB');
    const content = credentialText(buffer.subarray(0, bytesRead).toString('utf8'));
    if (content === '') throw new Error('is empty');
    return content;
  } finally {
    await handle.close();
  }
}
