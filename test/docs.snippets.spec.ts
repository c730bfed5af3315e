import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { execFile } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { displayPath, documentationFiles, fencedBlocks, PARTIAL_SNIPPET_MARKER, readText, REPOSITORY_ROOT } from './support/markdown.js';

const PACKAGE_NAME = 'nestjs-client-credentials';
const TSC = join(REPOSITORY_ROOT, 'node_modules/typescript/bin/tsc');
/** Deliberately partial blocks stay the exception. */
const MOST_PARTIAL_SNIPPETS = 6;
/** A first line naming the snippet's file (`// invoices.client.ts`), so the doc's other snippets can import it. */
const FILE_NAME_COMMENT = /^\/\/\s*([\w.-]+(?:\/[\w.-]+)*\.ts)\s*$/;

/** A TypeScript block of the docs, as the file it becomes in the snippet project. */
interface Snippet {
  readonly source: string;
  readonly file: string;
  readonly code: string;
}

/** A snippet that is a Jest test file (Jest only runs files named `*.spec.ts`). */
function isUnitTest(code: string): boolean {
  return code.includes("from '@jest/globals'");
}

function typeScriptBlocks(file: string) {
  return fencedBlocks(readText(file)).filter((block) => block.language === 'ts' || block.language === 'typescript');
}

/** Every complete TypeScript block, one file per block, in a folder per document. */
function collectSnippets(): Snippet[] {
  const snippets: Snippet[] = [];
  for (const doc of documentationFiles()) {
    const folder = displayPath(doc)
      .replace(/\.md$/, '')
      .replace(/[^\w-]/g, '_');
    for (const block of typeScriptBlocks(doc).filter((candidate) => !candidate.partial)) {
      const named = FILE_NAME_COMMENT.exec(block.code.split('\n')[0])?.[1];
      const unnamed = `line-${block.line}${isUnitTest(block.code) ? '.spec' : ''}.ts`;
      snippets.push({ source: `${displayPath(doc)}:${block.line}`, file: `${folder}/${named ?? unnamed}`, code: block.code });
    }
  }
  return snippets;
}

/**
 * A project that installs the package the way an app does: `node_modules/nestjs-client-credentials`
 * holds its manifest (so `exports` decides what resolves) and its ESM build; every other package is the
 * checkout's own (the peers, @nestjs/testing, Jest, @types/node).
 */
async function createSnippetProject(snippets: readonly Snippet[]): Promise<string> {
  const project = mkdtempSync(join(tmpdir(), 'ncc-snippets-'));
  const modules = join(project, 'node_modules');
  const ours = join(modules, PACKAGE_NAME);
  mkdirSync(ours, { recursive: true });
  for (const entry of readdirSync(join(REPOSITORY_ROOT, 'node_modules'))) {
    if (entry !== PACKAGE_NAME && !entry.startsWith('.')) symlinkSync(join(REPOSITORY_ROOT, 'node_modules', entry), join(modules, entry));
  }
  copyFileSync(join(REPOSITORY_ROOT, 'package.json'), join(ours, 'package.json'));
  await promisify(execFile)(process.execPath, [TSC, '-p', 'tsconfig.build.json', '--outDir', join(ours, 'dist', 'esm')], {
    cwd: REPOSITORY_ROOT,
  });
  writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'snippets', private: true, type: 'module' }));
  // What `nest new` sets up, with the whole of `strict` on.
  const compilerOptions = {
    strict: true,
    module: 'NodeNext',
    moduleResolution: 'NodeNext',
    target: 'ES2022',
    experimentalDecorators: true,
    emitDecoratorMetadata: true,
    isolatedModules: true,
    esModuleInterop: true,
    skipLibCheck: true,
    noEmit: true,
    moduleDetection: 'force',
    types: ['node'],
  };
  writeFileSync(join(project, 'tsconfig.json'), JSON.stringify({ compilerOptions, include: ['snippets'] }, null, 2));
  // Jest as an ESM NestJS app runs it; the types were checked by tsc already.
  writeFileSync(
    join(project, 'jest.config.js'),
    `export default ${JSON.stringify({
      testEnvironment: 'node',
      extensionsToTreatAsEsm: ['.ts'],
      moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
      transform: { '^.+\\.ts$': ['ts-jest', { useESM: true, tsconfig: { ...compilerOptions, noEmit: false }, diagnostics: false }] },
      setupFiles: ['reflect-metadata'],
    })};\n`,
  );
  for (const snippet of snippets) {
    mkdirSync(dirname(join(project, 'snippets', snippet.file)), { recursive: true });
    writeFileSync(join(project, 'snippets', snippet.file), `${snippet.code}\n`);
  }
  return project;
}

/** tsc's diagnostics, each pointed back at the document and line the snippet came from. */
async function typeCheck(project: string, snippets: readonly Snippet[]): Promise<string[]> {
  const run = await promisify(execFile)(process.execPath, [TSC, '-p', 'tsconfig.json', '--pretty', 'false'], { cwd: project }).then(
    () => ({ stdout: '' }),
    (error: { stdout?: string; message: string }) => ({ stdout: error.stdout || error.message }),
  );
  const sourceOf = new Map(snippets.map((snippet) => [`snippets/${snippet.file}`, snippet.source]));
  return run.stdout
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) =>
      line.replace(
        /^(snippets\/[^(]+)\((\d+),(\d+)\)/,
        (_, file: string, row: string) => `${sourceOf.get(file) ?? file} (snippet line ${row})`,
      ),
    );
}

describe('TypeScript snippets in README.md and docs/', () => {
  const snippets = collectSnippets();
  let project: string | undefined;

  beforeAll(async () => {
    project = await createSnippetProject(snippets);
  }, 120_000);
  afterAll(() => {
    if (project !== undefined) rmSync(project, { recursive: true, force: true });
  });

  it('every complete snippet type-checks with tsc --strict against the built package, as a new app would compile it', async () => {
    expect(snippets.length).toBeGreaterThan(20);
    expect(await typeCheck(project!, snippets)).toEqual([]);
  }, 120_000);

  it('the unit tests the docs show pass when Jest runs them', async () => {
    const tests = snippets.filter((snippet) => isUnitTest(snippet.code));
    expect(tests.length).toBeGreaterThanOrEqual(2);
    const jest = join(REPOSITORY_ROOT, 'node_modules/jest/bin/jest.js');
    const run = await promisify(execFile)(
      process.execPath,
      [jest, '--ci', '--runTestsByPath', ...tests.map((test) => join('snippets', test.file))],
      {
        cwd: project!,
        env: { ...process.env, NODE_OPTIONS: '--experimental-vm-modules --no-warnings' },
      },
    ).then(
      ({ stderr }) => ({ status: 0, output: stderr }),
      (error: { code?: number; stdout?: string; stderr?: string }) => ({
        status: error.code ?? 1,
        output: `${error.stdout ?? ''}${error.stderr ?? ''}`,
      }),
    );
    expect({ status: run.status, output: run.status === 0 ? 'passed' : run.output }).toEqual({ status: 0, output: 'passed' });
    const [, passed, total] = /Tests:\s+(\d+) passed, (\d+) total/.exec(run.output) ?? [];
    expect(Number(passed)).toBe(Number(total));
    expect(Number(passed)).toBeGreaterThanOrEqual(tests.length);
  }, 120_000);

  it(`snippets name distinct files, and blocks marked ${PARTIAL_SNIPPET_MARKER} stay few`, () => {
    const files = snippets.map((snippet) => snippet.file);
    expect(files.filter((file, index) => files.indexOf(file) !== index)).toEqual([]);
    const partial = documentationFiles().flatMap((doc) =>
      typeScriptBlocks(doc)
        .filter((block) => block.partial)
        .map((block) => `${displayPath(doc)}:${block.line}`),
    );
    expect(partial.length).toBeLessThanOrEqual(MOST_PARTIAL_SNIPPETS);
  });

  it('each guide in docs/ opens with a complete TypeScript example (architecture.md describes the code instead)', () => {
    const guides = documentationFiles().filter((doc) => displayPath(doc).startsWith('docs/') && basename(doc) !== 'architecture.md');
    const openers = guides.map((doc) => {
      const first = fencedBlocks(readText(doc))[0];
      return { guide: displayPath(doc), opensWith: first === undefined ? 'no code' : first.partial ? 'a partial snippet' : first.language };
    });
    expect(openers).toEqual(guides.map((doc) => ({ guide: displayPath(doc), opensWith: 'ts' })));
  });
});
