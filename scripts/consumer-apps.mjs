// Consumer apps: the packed tarball, installed the way users install it, into a NestJS 11 CommonJS app
// (Jest in CommonJS mode) and a NestJS 12 ESM app (Jest in native ESM mode), each tested against the
// sample's embedded oidc-provider and protected demo API.
//
//   node scripts/consumer-apps.mjs            # both apps
//   node scripts/consumer-apps.mjs nest11-cjs # one app
//
// Exits non-zero when any step of any app fails. The last lines are one result line per app:
//   nest11-cjs  PASS  Tests: 3 passed, 3 total  (install 14.2 s, test 6.1 s)
import { spawn } from 'node:child_process';
import { cpSync, mkdirSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '..');
const work = join(root, '.tmp', 'consumers');
const fixtures = join(root, 'test', 'consumers');
const apps = process.argv.length > 2 ? process.argv.slice(2) : readdirSync(fixtures).sort();

/** Runs a command; resolves with its exit code and combined output (never rejects). */
function run(command, args, options = {}) {
  return new Promise((done) => {
    const started = Date.now();
    const child = spawn(command, args, { cwd: root, env: process.env, ...options, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk) => (output += chunk));
    child.stderr.on('data', (chunk) => (output += chunk));
    child.on('error', (error) => done({ code: 1, output: `${output}${error.message}\n`, seconds: 0 }));
    child.on('close', (code) => done({ code: code ?? 1, output, seconds: (Date.now() - started) / 1000 }));
  });
}

async function step(label, command, args, options) {
  const result = await run(command, args, options);
  if (result.code !== 0) throw new Error(`${label} failed (exit ${result.code}):\n${result.output}`);
  console.log(`  ${label}: ${result.seconds.toFixed(1)} s`);
  return result;
}

/**
 * Builds and packs a copy of the package under .tmp/consumers/package, so a build or pack running at
 * the same time in the checkout (the tarball spec deletes dist/) cannot change the tarball under us.
 */
async function packTarball() {
  const staging = join(work, 'package');
  for (const entry of [
    'package.json',
    'README.md',
    'LICENSE',
    'lib',
    'scripts',
    'tsconfig.json',
    'tsconfig.build.json',
    'tsconfig.build.cjs.json',
  ]) {
    cpSync(join(root, entry), join(staging, entry), { recursive: true });
  }
  symlinkSync(join(root, 'node_modules'), join(staging, 'node_modules'), 'dir');
  await step('npm run build', 'npm', ['run', 'build'], { cwd: staging });
  const { output } = await step('npm pack', 'npm', ['pack', '--json', '--pack-destination', work], { cwd: staging });
  const [packed] = JSON.parse(output.slice(output.indexOf('[')));
  return join(work, packed.filename);
}

/** Starts the sample's embedded IdP + demo API in its own process; resolves with its URLs and client. */
async function startEnvironment() {
  // The sample's compiler settings, for the one file the environment needs (not the whole sample and lib).
  const outDir = join(work, 'sample');
  const project = join(work, 'tsconfig.environment.json');
  writeFileSync(
    project,
    JSON.stringify({
      extends: join(root, 'sample', 'tsconfig.json'),
      compilerOptions: { outDir, rootDir: root },
      include: [],
      files: [join(root, 'sample', 'src', 'embedded-environment.ts')],
    }),
  );
  await step('compile embedded environment', process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', project]);
  const entry = join(outDir, 'sample', 'src', 'embedded-environment.js');
  const script = `
    const { startEmbeddedEnvironment } = await import(${JSON.stringify(entry)});
    const environment = await startEmbeddedEnvironment();
    process.stdout.write(JSON.stringify({ tokenUrl: environment.tokenUrl, apiBaseUrl: environment.apiBaseUrl, clientId: environment.clientId, clientSecret: environment.clientSecret }) + '\\n');
    process.stdin.resume();
    process.stdin.on('end', async () => { await environment.stop(); process.exit(0); });`;
  const child = spawn(process.execPath, ['--input-type=module', '-e', script], { cwd: root, stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (chunk) => (stderr += chunk));
  const settings = await new Promise((done, fail) => {
    let stdout = '';
    child.stdout.on('data', (chunk) => {
      stdout += chunk;
      if (stdout.includes('\n')) done(JSON.parse(stdout.slice(0, stdout.indexOf('\n'))));
    });
    child.on('exit', (code) => fail(new Error(`embedded environment exited (${code}):\n${stderr}`)));
  });
  console.log(`  embedded IdP: ${settings.tokenUrl}, demo API: ${settings.apiBaseUrl}`);
  return {
    env: {
      OAUTH2_TOKEN_URL: settings.tokenUrl,
      OAUTH2_CLIENT_ID: settings.clientId,
      OAUTH2_CLIENT_SECRET: settings.clientSecret,
      OAUTH2_API_BASE_URL: settings.apiBaseUrl,
    },
    // Closing stdin asks it to stop its servers; a stuck stop is killed rather than hanging the run.
    stop: () =>
      new Promise((done) => {
        const kill = setTimeout(() => child.kill('SIGKILL'), 10_000);
        child.once('exit', () => {
          clearTimeout(kill);
          done();
        });
        child.stdin.end();
      }),
  };
}

/** Copies a fixture, installs its locked dependencies, then the tarball on top (--no-save keeps the lock valid). */
async function installApp(name, tarball) {
  const dir = join(work, name);
  cpSync(join(fixtures, name), dir, { recursive: true, filter: (source) => !source.includes('node_modules') });
  const started = Date.now();
  const ci = await run('npm', ['ci', '--no-audit', '--no-fund'], { cwd: dir });
  if (ci.code !== 0) return { ok: false, detail: `npm ci failed:\n${ci.output}` };
  const add = await run('npm', ['install', '--no-save', '--no-audit', '--no-fund', tarball], { cwd: dir });
  if (add.code !== 0) return { ok: false, detail: `installing the tarball failed:\n${add.output}` };
  return { ok: true, seconds: (Date.now() - started) / 1000 };
}

async function testApp(name, env) {
  const dir = join(work, name);
  const result = await run('npm', ['test'], { cwd: dir, env: { ...process.env, ...env, CI: 'true' } });
  const summary = /^Tests:\s+.*$/m.exec(result.output)?.[0].replace(/\s+/g, ' ') ?? 'no Jest summary';
  return { ok: result.code === 0, summary, seconds: result.seconds, output: result.output };
}

async function main() {
  const started = Date.now();
  console.log(`consumer apps: ${apps.join(', ')}`);
  rmSync(work, { recursive: true, force: true });
  mkdirSync(work, { recursive: true });
  console.log(`  clean .tmp/consumers: ${((Date.now() - started) / 1000).toFixed(1)} s`);
  const tarball = await packTarball();
  // Installs are mostly network and disk; they overlap with compiling and starting the environment.
  const [installs, environment] = await Promise.all([
    Promise.all(apps.map(async (name) => [name, await installApp(name, tarball)])),
    startEnvironment(),
  ]);
  const results = [];
  try {
    for (const [name, install] of installs) {
      if (!install.ok) {
        results.push({ name, ok: false, line: 'FAIL  install', detail: install.detail });
        continue;
      }
      const test = await testApp(name, environment.env);
      console.log(`\n----- ${name}: npm test -----\n${test.output.trim()}\n`);
      results.push({
        name,
        ok: test.ok,
        line: `${test.ok ? 'PASS' : 'FAIL'}  ${test.summary}  (install ${install.seconds.toFixed(1)} s, test ${test.seconds.toFixed(1)} s)`,
      });
    }
  } finally {
    await environment.stop();
  }
  for (const result of results.filter((entry) => entry.detail)) console.log(`\n----- ${result.name} -----\n${result.detail}`);
  console.log(`\nconsumer app results (total ${((Date.now() - started) / 1000).toFixed(1)} s):`);
  for (const result of results) console.log(`${result.name.padEnd(12)}${result.line}`);
  if (results.some((result) => !result.ok)) process.exitCode = 1;
}

main().catch((error) => {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
});
