import { execFile } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';

/** lib/ compiled for Node in both module systems, in a folder of its own under .tmp. */
export interface BuiltPackage {
  /** Under the checkout, so scripts placed here resolve the peers from its node_modules. */
  readonly folder: string;
  /** The ESM entry point (`import`) and the CommonJS one (`require`). */
  readonly esmEntry: string;
  readonly cjsEntry: string;
  remove(): void;
}

/**
 * Compiles lib/ with the build's own settings (ESM and CommonJS, no declarations) into
 * `.tmp/<name>-<pid>`, not dist/: the tarball spec deletes and rebuilds dist/ while other specs run.
 */
export async function buildPackage(name: string): Promise<BuiltPackage> {
  const root = resolve('.');
  const folder = join(root, '.tmp', `${name}-${process.pid}`);
  const tsc = (project: string, outDir: string) =>
    promisify(execFile)(
      process.execPath,
      [join(root, 'node_modules/typescript/bin/tsc'), '-p', project, '--outDir', outDir, '--declaration', 'false'],
      { cwd: root },
    );
  await Promise.all([tsc('tsconfig.build.json', join(folder, 'esm')), tsc('tsconfig.build.cjs.json', join(folder, 'cjs'))]);
  for (const [system, type] of [
    ['esm', 'module'],
    ['cjs', 'commonjs'],
  ]) {
    mkdirSync(join(folder, system), { recursive: true });
    writeFileSync(join(folder, system, 'package.json'), JSON.stringify({ type }));
  }
  return {
    folder,
    esmEntry: join(folder, 'esm', 'index.js'),
    cjsEntry: join(folder, 'cjs', 'index.js'),
    remove: () => rmSync(folder, { recursive: true, force: true }),
  };
}
