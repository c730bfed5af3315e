import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { resolve } from 'node:path';
import { listenOnLoopback } from './support/loopback.js';
import { jwtVerifier, ProtectedResource } from './support/protected-resource.js';
import { TestIdp } from './support/test-idp.js';

const MAIN = resolve('.tmp/sample/sample/src/main.js');

/** The sample app as a child process, as `npm run sample` starts it, and what it printed. */
interface RunningSample {
  child: ChildProcess;
  url: string;
  output: () => string;
  /** SIGTERM, as an orchestrator would send; resolves with how the process ended. */
  stop: () => Promise<string>;
}

async function startSample(env: Record<string, string>): Promise<RunningSample> {
  const childEnv: Record<string, string> = { PATH: process.env.PATH ?? '', NO_COLOR: '1', PORT: '0', ...env };
  const child = spawn(process.execPath, [MAIN], { env: childEnv, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const url = await new Promise<string>((done, fail) => {
    const timer = setTimeout(() => fail(new Error(`the sample did not start in 30 s:\n${output}`)), 30_000);
    const poll = setInterval(() => {
      const match = /Sample listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(output);
      if (match) {
        clearInterval(poll);
        clearTimeout(timer);
        done(match[1]);
      }
    }, 50);
    child.once('exit', (code) => {
      clearInterval(poll);
      clearTimeout(timer);
      fail(new Error(`the sample exited with ${code}:\n${output}`));
    });
  });
  const stop = () =>
    new Promise<string>((done) => {
      if (child.exitCode !== null) return done(`exit ${child.exitCode}`);
      // Nest's shutdown hooks close the app, then re-raise the signal: a clean stop ends by SIGTERM.
      child.once('exit', (code, signal) => done(signal ?? `exit ${code}`));
      child.kill('SIGTERM');
    });
  return { child, url, output: () => output, stop };
}

describe('the sample app (npm run sample)', () => {
  beforeAll(() => {
    execFileSync(process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'sample/tsconfig.json'], { stdio: 'pipe' });
  }, 120_000);

  it('with no OAUTH2_* variables starts an embedded IdP and demo API, calls the API with a token, reports health, and logs the lifecycle without token values', async () => {
    const sample = await startSample({});
    try {
      expect(sample.output()).toMatch(/embedded IdP at http:\/\/127\.0\.0\.1:\d+, protected demo API at http:\/\/127\.0\.0\.1:\d+/);
      expect(sample.output()).toContain(`curl ${sample.url}/demo`);

      const demo = await fetch(`${sample.url}/demo`);
      expect(demo.status).toBe(200);
      const body = (await demo.json()) as { downstream: { message: string; client: string }; token: Record<string, unknown> };
      expect(body.downstream).toMatchObject({ message: 'hello from the protected demo API', client: 'sample-client' });
      expect(body.token).toMatchObject({ tokenType: 'Bearer' });
      expect(Object.keys(body.token)).not.toContain('value');

      const health = await fetch(`${sample.url}/health`);
      expect(health.status).toBe(200);
      expect(await health.json()).toMatchObject({ status: 'ok', info: { oauth2: { status: 'up' } } });

      await new Promise((done) => setTimeout(done, 200));
      expect(sample.output()).toMatch(/Token acquired in \d+ ms, expires in 120 s/);
      expect(sample.output()).toContain('"type":"acquired"');
      // JWT access tokens start with eyJ; none may reach the log.
      expect(sample.output()).not.toMatch(/eyJ[\w-]{10,}\.[\w-]{10,}/);
    } finally {
      expect(await sample.stop()).toBe('SIGTERM');
    }
  }, 60_000);

  it('with its port busy exits 1 with one line saying so and how to choose another port (PORT=…)', async () => {
    const blocker = createServer();
    const port = await listenOnLoopback(blocker);
    try {
      const child = spawn(process.execPath, [MAIN], {
        env: { PATH: process.env.PATH ?? '', NO_COLOR: '1', PORT: String(port) },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let output = '';
      child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
      child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
      const exit = await new Promise<number | string>((done) => {
        const timer = setTimeout(() => {
          child.kill('SIGKILL');
          done('still running after 20 s');
        }, 20_000);
        child.once('exit', (code) => {
          clearTimeout(timer);
          done(code ?? 'killed');
        });
      });
      expect({ exit, output }).toEqual({ exit: 1, output: expect.any(String) });
      const lines = output.trim().split('\n');
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(
        new RegExp(`Port ${port} on 127\\.0\\.0\\.1 is busy: choose another with PORT, e\\.g\\. PORT=\\d+ npm run sample`),
      );
    } finally {
      await new Promise((done) => blocker.close(done));
    }
  }, 30_000);

  describe('with OAUTH2_* variables set', () => {
    let idp: TestIdp;
    let api: ProtectedResource;

    beforeAll(async () => {
      idp = await TestIdp.start();
      api = await ProtectedResource.start(jwtVerifier(idp));
    });
    afterAll(async () => {
      await api.stop();
      await idp.stop();
    });

    it('talks to the configured IdP and API instead of embedded ones', async () => {
      const sample = await startSample({
        OAUTH2_TOKEN_URL: idp.tokenUrl,
        OAUTH2_CLIENT_ID: 'test-client',
        OAUTH2_CLIENT_SECRET: 'test-secret-value-1234',
        OAUTH2_API_BASE_URL: api.url,
      });
      try {
        expect(sample.output()).not.toContain('embedded IdP');
        const before = idp.tokenRequests;
        const demo = await fetch(`${sample.url}/demo`);
        expect(demo.status).toBe(200);
        expect(idp.tokenRequests - before).toBe(1);
        expect(api.requestsTo('/hello')).toHaveLength(1);
        expect(sample.output()).not.toContain('test-secret-value-1234');
      } finally {
        expect(await sample.stop()).toBe('SIGTERM');
      }
    }, 60_000);
  });
});
