import { describe, expect, it } from '@jest/globals';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

const root = resolve(import.meta.dirname ?? '.', '..');
const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { exports: Record<string, any> };
const OPTIONAL_PEERS = ['@nestjs/config', 'zod', '@nestjs/terminus', '@opentelemetry/api'];

/** Every package a lib file imports, following relative imports from `entry`. */
function importedPackages(entry: string, seen = new Set<string>()): Set<string> {
  const packages = new Set<string>();
  const visit = (file: string) => {
    if (seen.has(file)) return;
    seen.add(file);
    for (const [, specifier] of readFileSync(file, 'utf8').matchAll(/(?:from|import)\s+'([^']+)'/g)) {
      if (specifier!.startsWith('.')) visit(join(dirname(file), specifier!.replace(/\.js$/, '.ts')));
      else packages.add(specifier!.startsWith('@') ? specifier!.split('/').slice(0, 2).join('/') : specifier!.split('/')[0]!);
    }
  };
  visit(entry);
  return packages;
}

describe('package manifest', () => {
  it.each(['config', 'health', 'testing', 'otel'])('exposes nestjs-client-credentials/%s for import and require, built from lib/%s/index.ts', (name) => {
    expect(manifest.exports[`./${name}`]).toEqual({
      import: { types: `./dist/esm/${name}/index.d.ts`, default: `./dist/esm/${name}/index.js` },
      require: { types: `./dist/cjs/${name}/index.d.ts`, default: `./dist/cjs/${name}/index.js` },
    });
    expect(existsSync(join(root, 'lib', name, 'index.ts'))).toBe(true);
  });

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
  });
});
