import { mkdtempSync, renameSync, rmSync, symlinkSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * A directory laid out as kubelet mounts a Secret or a projected token: `name -> ..data/name`,
 * `..data -> ..<version>`, and an update writes a new version directory and renames a new `..data`
 * symlink over the old one (one atomic step, so a reader sees the old file or the new, never half).
 */
export class KubernetesSecretVolume {
  readonly directory = mkdtempSync(join(tmpdir(), 'k8s-secret-'));
  #version = 0;

  constructor(private readonly files: Record<string, string>) {
    this.write(files);
    for (const name of Object.keys(files)) symlinkSync(join('..data', name), join(this.directory, name));
  }

  /** The path the application is given (`/var/run/secrets/.../name`). */
  path(name: string): string {
    return join(this.directory, name);
  }

  /** Replaces the content atomically, as kubelet does when the Secret changes. */
  update(files: Record<string, string>): void {
    this.write({ ...this.files, ...files });
  }

  remove(): void {
    rmSync(this.directory, { recursive: true, force: true });
  }

  private write(files: Record<string, string>): void {
    const version = `..v${(this.#version += 1)}`;
    mkdirSync(join(this.directory, version));
    for (const [name, content] of Object.entries(files)) writeFileSync(join(this.directory, version, name), `${content}\n`);
    symlinkSync(version, join(this.directory, '..data_tmp'));
    renameSync(join(this.directory, '..data_tmp'), join(this.directory, '..data'));
  }
}
