import { describe, expect, it } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

const root = resolve(import.meta.dirname ?? '.', '..');
const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
  exports: Record<string, any>;
  homepage: string;
  repository: { type: string; url: string };
  bugs: { url: string };
};
const OPTIONAL_PEERS = ['@nestjs/config', 'zod', '@nestjs/terminus', '@opentelemetry/api', '@grpc/grpc-js', 'undici'];

/** Every package a lib file imports, following relative imports from `entry`. */
function importedPackages(entry: string, seen = new Set<string>()): Set<string> {
  const packages = new Set<string>();
  const visit = (file: string) => {
    if (seen.has(file)) return;
    seen.add(file);
    for (const [, specifier] of readFileSync(file, 'utf8').matchAll(/(?:from|import)\s+'([^']+)'/g)) {
      if (specifier.startsWith('.')) visit(join(dirname(file), specifier.replace(/\.js$/, '.ts')));
      else packages.add(specifier.startsWith('@') ? specifier.split('/').slice(0, 2).join('/') : specifier.split('/')[0]);
    }
  };
  visit(entry);
  return packages;
}

describe('package manifest', () => {
  it.each(['config', 'health', 'testing', 'otel', 'grpc', 'undici'])(
    'exposes nestjs-client-credentials/%s for import and require, built from lib/%s/index.ts',
    (name) => {
      expect(manifest.exports[`./${name}`]).toEqual({
        import: { types: `./dist/esm/${name}/index.d.ts`, default: `./dist/esm/${name}/index.js` },
        require: { types: `./dist/cjs/${name}/index.d.ts`, default: `./dist/cjs/${name}/index.js` },
      });
      expect(existsSync(join(root, 'lib', name, 'index.ts'))).toBe(true);
    },
  );

  it('the root entry point never loads an optional peer, so apps without them can import it', () => {
    const packages = importedPackages(join(root, 'lib', 'index.ts'));
    expect(packages.has('@nestjs/common')).toBe(true);
    for (const peer of OPTIONAL_PEERS) expect(packages.has(peer)).toBe(false);
  });

  it('each subpath loads only the optional peers its feature needs', () => {
    const peersOf = (name: string) => OPTIONAL_PEERS.filter((peer) => importedPackages(join(root, 'lib', name, 'index.ts')).has(peer));
    expect(peersOf('config')).toEqual(['@nestjs/config', 'zod']);
    expect(peersOf('health')).toEqual(['@nestjs/terminus']);
    expect(peersOf('otel')).toEqual(['@opentelemetry/api']);
    expect(peersOf('testing')).toEqual([]);
    expect(peersOf('grpc')).toEqual(['@grpc/grpc-js']);
    expect(peersOf('undici')).toEqual(['undici']);
  });

  it('repository, bugs and homepage name the same GitHub repository', () => {
    const repository = /^git\+(https:\/\/github\.com\/[\w.-]+\/[\w.-]+)\.git$/.exec(manifest.repository.url)?.[1];
    expect(manifest.repository.type).toBe('git');
    expect(repository).toBeDefined();
    expect(manifest.bugs.url).toBe(`${repository}/issues`);
    expect(manifest.homepage).toBe(`${repository}#readme`);
  });

  it('every dependency with an install script has a decision in allowScripts, so npm ci prints no notice about it', () => {
    const unreviewed = JSON.parse(execFileSync('npm', ['install-scripts', 'ls', '--json'], { cwd: root, encoding: 'utf8' })) as {
      allowScripts: unknown[];
    };
    expect(unreviewed.allowScripts).toEqual([]);
  });

  it('nest-cli.json describes projects that exist: their folders, tsconfig and entry file', () => {
    const cli = JSON.parse(readFileSync(join(root, 'nest-cli.json'), 'utf8')) as {
      projects: Record<
        string,
        { type: string; root: string; sourceRoot: string; entryFile?: string; compilerOptions: { tsConfigPath: string } }
      >;
    };
    expect(Object.keys(cli.projects).sort()).toEqual(['nestjs-client-credentials', 'sample']);
    for (const project of Object.values(cli.projects)) {
      expect(
        [project.root, project.sourceRoot, project.compilerOptions.tsConfigPath].filter((path) => !existsSync(join(root, path))),
      ).toEqual([]);
      const tsconfig = JSON.parse(readFileSync(join(root, project.compilerOptions.tsConfigPath), 'utf8')) as { include: string[] };
      const included = tsconfig.include.map((path) => join(dirname(join(root, project.compilerOptions.tsConfigPath)), path));
      expect(included).toContain(join(root, project.sourceRoot));
      if (project.type === 'application') expect(existsSync(join(root, project.sourceRoot, `${project.entryFile}.ts`))).toBe(true);
    }
  });
});
