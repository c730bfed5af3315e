import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const root = resolve('.');
const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
  name: string;
  exports: Record<string, unknown>;
  peerDependencies: Record<string, string>;
  peerDependenciesMeta: Record<string, { optional?: boolean }>;
};

/** The names the root entry point must export, in both module systems. */
const PUBLIC_NAMES = [
  'TokenModule',
  'TokenManagerService',
  'TOKEN_MODULE_OPTIONS',
  'TokenError',
  'TokenConfigError',
  'TokenEndpointError',
  'TokenResponseError',
  'TokenTimeoutError',
  'DEFAULT_REFRESH_MARGIN_SECONDS',
  'DpopService',
  'attachDpopInterceptor',
  'createAuthorizedFetch',
  'getAuthorizedFetchToken',
  'InjectAuthorizedFetch',
];

describe('the packed tarball, as users install it', () => {
  let workspace: string;
  let files: string[];

  beforeAll(() => {
    workspace = mkdtempSync(join(tmpdir(), 'ncc-pack-'));
    execFileSync('npm', ['run', 'build'], { cwd: root, stdio: 'pipe' });
    const output = execFileSync('npm', ['pack', '--json', '--pack-destination', workspace], {
      cwd: root,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const [packed] = JSON.parse(output) as Array<{ filename: string; files: Array<{ path: string }> }>;
    files = packed.files.map((file) => file.path);
    // An app folder whose node_modules holds the unpacked tarball next to the peers it needs.
    const modules = join(workspace, 'app', 'node_modules');
    mkdirSync(join(modules, manifest.name), { recursive: true });
    execFileSync('tar', ['-xzf', join(workspace, packed.filename), '-C', join(modules, manifest.name), '--strip-components=1']);
    for (const entry of readdirSync(join(root, 'node_modules'))) {
      if (entry !== manifest.name && !entry.startsWith('.')) symlinkSync(join(root, 'node_modules', entry), join(modules, entry));
    }
  }, 120_000);
  afterAll(() => {
    rmSync(workspace, { recursive: true, force: true });
  });

  it('ships only the build output, README, LICENSE and the manifest', () => {
    expect(files).toContain('README.md');
    expect(files).toContain('LICENSE');
    expect(files).toContain('dist/esm/index.js');
    expect(files).toContain('dist/cjs/index.js');
    expect(files).toContain('dist/esm/index.d.ts');
    expect(files).toContain('dist/cjs/index.d.ts');
    const unexpected = files.filter((file) => !/^(dist\/|README\.md$|LICENSE$|package\.json$)/.test(file));
    expect(unexpected).toEqual([]);
    expect(files.some((file) => file.endsWith('.spec.js'))).toBe(false);
  });

  it('loads with import (ESM) in a child process and exports the public names', () => {
    const script = `import * as m from '${manifest.name}'; console.log(JSON.stringify(Object.keys(m)));`;
    const output = execFileSync(process.execPath, ['--input-type=module', '-e', script], { cwd: join(workspace, 'app'), encoding: 'utf8' });
    expect(JSON.parse(output)).toEqual(expect.arrayContaining(PUBLIC_NAMES));
  });

  it('loads with require (CommonJS) in a child process and exports the public names', () => {
    const script = `const m = require('${manifest.name}'); console.log(JSON.stringify(Object.keys(m))); console.log(require.resolve('${manifest.name}'));`;
    const output = execFileSync(process.execPath, ['--no-warnings', '-e', script], { cwd: join(workspace, 'app'), encoding: 'utf8' });
    const [names, resolved] = output.trim().split('\n');
    expect(JSON.parse(names)).toEqual(expect.arrayContaining(PUBLIC_NAMES));
    expect(resolved).toContain('/dist/cjs/');
  });

  it('every subpath export loads with import and with require from the tarball', () => {
    const subpaths = Object.keys(manifest.exports).filter((key) => key !== '.' && key !== './package.json');
    expect(subpaths.length).toBeGreaterThan(0);
    for (const subpath of subpaths) {
      const specifier = `${manifest.name}/${subpath.slice(2)}`;
      const esm = execFileSync(
        process.execPath,
        ['--input-type=module', '-e', `import * as m from '${specifier}'; console.log(Object.keys(m).length);`],
        { cwd: join(workspace, 'app'), encoding: 'utf8' },
      );
      const cjs = execFileSync(process.execPath, ['--no-warnings', '-e', `console.log(Object.keys(require('${specifier}')).length);`], {
        cwd: join(workspace, 'app'),
        encoding: 'utf8',
      });
      expect(Number(esm.trim())).toBeGreaterThan(0);
      expect(Number(cjs.trim())).toBe(Number(esm.trim()));
    }
  });

  it('under require (CommonJS), private_key_jwt loads the optional jose peer lazily and signs an assertion', () => {
    // jose is ESM-only; the CJS build's import('jose') becomes require('jose'), which Node >= 20.19 loads (require(esm)).
    const script = `
      require('reflect-metadata');
      const http = require('node:http');
      const { generateKeyPairSync } = require('node:crypto');
      const { NestFactory } = require('@nestjs/core');
      const { TokenModule, TokenManagerService } = require('${manifest.name}');
      const key = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ type: 'pkcs8', format: 'pem' });
      const server = http.createServer((req, res) => {
        let body = '';
        req.on('data', (chunk) => (body += chunk));
        req.on('end', () => {
          const form = new URLSearchParams(body);
          res.writeHead(200, { 'content-type': 'application/json' });
          res.end(JSON.stringify({ access_token: form.get('client_assertion_type') + ' ' + JSON.parse(Buffer.from(form.get('client_assertion').split('.')[0], 'base64url')).alg, token_type: 'Bearer', expires_in: 60 }));
        });
      });
      server.listen(0, '127.0.0.1', async () => {
        const options = { tokenUrl: 'http://127.0.0.1:' + server.address().port + '/token', clientId: 'cjs', clientAuthMethod: 'private_key_jwt', privateKeyJwt: { key } };
        const app = await NestFactory.createApplicationContext(TokenModule.forRoot(options), { logger: false });
        console.log(await app.get(TokenManagerService).getAccessToken());
        await app.close();
        server.close();
      });`;
    const output = execFileSync(process.execPath, ['--no-warnings', '-e', script], { cwd: join(workspace, 'app'), encoding: 'utf8' });
    expect(output.trim()).toBe('urn:ietf:params:oauth:client-assertion-type:jwt-bearer ES256');
  });

  it('serves RedisTokenStore from the nestjs-client-credentials/redis subpath, with import and with require', () => {
    const esm = execFileSync(
      process.execPath,
      ['--input-type=module', '-e', `import { RedisTokenStore } from '${manifest.name}/redis'; console.log(typeof RedisTokenStore);`],
      { cwd: join(workspace, 'app'), encoding: 'utf8' },
    );
    const cjs = execFileSync(
      process.execPath,
      [
        '--no-warnings',
        '-e',
        `console.log(typeof require('${manifest.name}/redis').RedisTokenStore, require.resolve('${manifest.name}/redis'))`,
      ],
      { cwd: join(workspace, 'app'), encoding: 'utf8' },
    );
    expect(esm.trim()).toBe('function');
    expect(cjs.trim()).toMatch(/^function .*\/dist\/cjs\/redis\/index\.js$/);
    expect(files).toContain('dist/esm/redis/index.d.ts');
    expect(files).toContain('dist/cjs/redis/index.d.ts');
  });

  it('the CommonJS build loads the ESM-only jose lazily (require(esm)) and signs a DPoP proof', () => {
    const dist = join(workspace, 'app', 'node_modules', manifest.name, 'dist', 'cjs');
    const script = `
      const { validateTokenOptions } = require(${JSON.stringify(join(dist, 'validation', 'validate-token-options.js'))});
      const { DpopService } = require(${JSON.stringify(join(dist, 'dpop', 'dpop.service.js'))});
      const options = validateTokenOptions({ tokenUrl: 'https://idp.example.com/token', clientId: 'a', clientSecret: 'secret-1', dpop: true });
      DpopService.create(options).then(async (dpop) => {
        const proof = await dpop.proofFor('GET', 'https://api.example.com/orders?page=2');
        console.log(JSON.stringify({ status: dpop.status(), header: proof.split('.')[0], claims: proof.split('.')[1] }));
      });`;
    const output = execFileSync(process.execPath, ['--no-warnings', '-e', script], { cwd: join(workspace, 'app'), encoding: 'utf8' });
    // The last line is ours; Nest's logger prints the DPoP startup line before it.
    const { status, header, claims } = JSON.parse(output.trim().split('\n').at(-1)!) as {
      status: { mode: string; thumbprint: string };
      header: string;
      claims: string;
    };
    expect(status).toMatchObject({ mode: 'ephemeral', thumbprint: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/) });
    expect(JSON.parse(Buffer.from(header, 'base64url').toString())).toMatchObject({
      typ: 'dpop+jwt',
      alg: 'ES256',
      jwk: { kty: 'EC', crv: 'P-256' },
    });
    expect(JSON.parse(Buffer.from(claims, 'base64url').toString())).toMatchObject({ htm: 'GET', htu: 'https://api.example.com/orders' });
  });

  it('declares NestJS 11 and 12 peers and keeps integrations optional', () => {
    expect(manifest.peerDependencies['@nestjs/common']).toBe('^11.0.0 || ^12.0.0');
    expect(manifest.peerDependencies['@nestjs/core']).toBe('^11.0.0 || ^12.0.0');
    for (const optional of ['@nestjs/terminus', '@nestjs/config', 'ioredis', 'jose', '@opentelemetry/api', '@grpc/grpc-js', 'undici']) {
      expect(manifest.peerDependenciesMeta[optional]?.optional).toBe(true);
    }
    for (const entry of Object.values(manifest.exports).filter((value) => typeof value === 'object')) {
      expect(entry).toMatchObject({
        import: { types: expect.any(String), default: expect.any(String) },
        require: { types: expect.any(String), default: expect.any(String) },
      });
    }
  });
});
