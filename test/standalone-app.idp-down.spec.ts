import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildPackage, type BuiltPackage } from './support/built-package.js';
import { freePort } from './support/loopback.js';
import { json, ProgrammableServer } from './support/programmable-server.js';

/**
 * A standalone app (a CLI, a cron job, a queue worker): an application context, one token, then
 * close. `caught` and `finally` print what the caller's handlers saw; the error is rethrown, so the
 * process must exit 1 with it. `STALE_AFTER_FIRST` instead gets one token, moves the clock into the
 * refresh-ahead window and calls again: a background refresh nobody waits for, and no close. `REFRESH_IN_BACKGROUND`
 * turns on `refreshInBackground`.
 */
const APP_BODY = `
  let nowMs = Date.now();
  const app = await NestFactory.createApplicationContext(
    TokenModule.forRoot({ tokenUrl: process.env.TOKEN_URL, clientId: 'standalone-cli', clientSecret: 'standalone-secret', clock: () => nowMs, refreshInBackground: process.env.REFRESH_IN_BACKGROUND === '1' }),
    { logger: false },
  );
  const manager = app.get(TokenManagerService);
  if (process.env.STALE_AFTER_FIRST) {
    console.log('first', await manager.getAccessToken());
    nowMs += 3500 * 1000;
    console.log('stale', await manager.getAccessToken());
  } else {
    try {
      console.log('token', await manager.getAccessToken());
    } catch (error) {
      console.log('caught ' + error.name + ': ' + error.message);
      throw error;
    } finally {
      console.log('finally');
      await app.close();
    }
  }`;

const SCRIPTS = {
  esm: (entry: string) =>
    `import 'reflect-metadata';\nimport { NestFactory } from '@nestjs/core';\nimport { TokenManagerService, TokenModule } from ${JSON.stringify(entry)};\n${APP_BODY}\n`,
  cjs: (entry: string) =>
    `require('reflect-metadata');\nconst { NestFactory } = require('@nestjs/core');\nconst { TokenManagerService, TokenModule } = require(${JSON.stringify(entry)});\n(async () => {${APP_BODY}\n})();\n`,
};

interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a script to its end, asynchronously: the token server it talks to lives in this process. */
function runScript(file: string, env: Record<string, string>): Promise<Run> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--no-warnings', file], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    child.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}

describe('a standalone app whose IdP is down gets its TokenEndpointError and exits non-zero, in both module systems', () => {
  let built: BuiltPackage;
  let unavailable: ProgrammableServer;
  let upThenDown: ProgrammableServer;
  const files: Record<string, string> = {};

  beforeAll(async () => {
    built = await buildPackage('standalone-app');
    files.esm = join(built.folder, 'app.mjs');
    files.cjs = join(built.folder, 'app.cjs');
    writeFileSync(files.esm, SCRIPTS.esm(built.esmEntry));
    writeFileSync(files.cjs, SCRIPTS.cjs(built.cjsEntry));
    unavailable = await ProgrammableServer.start((_, response) => json(response, 503, { error: 'temporarily_unavailable' }));
    upThenDown = await ProgrammableServer.start((_, response) =>
      upThenDown.requests.length === 1
        ? json(response, 200, { access_token: 'standalone-token', token_type: 'Bearer', expires_in: 3600 })
        : json(response, 503, { error: 'temporarily_unavailable' }),
    );
  }, 180_000);
  afterAll(async () => {
    await unavailable?.stop();
    await upThenDown?.stop();
    built?.remove();
  });

  describe.each(['esm', 'cjs'] as const)('%s', (system) => {
    it('connection refused: catch and finally run after the retries and the process exits 1 with the error', async () => {
      const tokenUrl = `http://127.0.0.1:${await freePort()}/token`;
      const run = await runScript(files[system], { TOKEN_URL: tokenUrl });
      expect(run.stdout.trim().split('\n')).toEqual([
        `caught TokenEndpointError: Token endpoint POST ${tokenUrl} unreachable (ECONNREFUSED)`,
        'finally',
      ]);
      expect(run.status).toBe(1);
      expect(run.stderr).toContain('TokenEndpointError');
    });

    it('503 on every attempt: all four token requests are made, then catch and finally run and the process exits 1', async () => {
      const before = unavailable.requests.length;
      const run = await runScript(files[system], { TOKEN_URL: `${unavailable.url}/token` });
      expect(run.stdout.trim().split('\n')).toEqual([
        `caught TokenEndpointError: Token endpoint POST ${unavailable.url}/token answered HTTP 503: temporarily_unavailable`,
        'finally',
      ]);
      expect(run.status).toBe(1);
      expect(unavailable.requests.length - before).toBe(4);
    });

    it('a background refresh nobody waits for does not hold the process open: it exits 0 after its first failed attempt', async () => {
      upThenDown.requests.length = 0;
      const run = await runScript(files[system], { TOKEN_URL: `${upThenDown.url}/token`, STALE_AFTER_FIRST: '1' });
      expect(run.stdout.trim().split('\n')).toEqual(['first standalone-token', 'stale standalone-token']);
      expect(run.status).toBe(0);
      // The first token, then the refresh-ahead's first attempt; its retry waits are unref'd.
      expect(upThenDown.requests).toHaveLength(2);
    });

    it('refreshInBackground: the timer scheduled for the next refresh does not hold the process open, it exits 0 without close', async () => {
      upThenDown.requests.length = 0;
      const run = await runScript(files[system], {
        TOKEN_URL: `${upThenDown.url}/token`,
        STALE_AFTER_FIRST: '1',
        REFRESH_IN_BACKGROUND: '1',
      });
      expect(run.stdout.trim().split('\n')).toEqual(['first standalone-token', 'stale standalone-token']);
      expect(run.status).toBe(0);
    });
  });
});
