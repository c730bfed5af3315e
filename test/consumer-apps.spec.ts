import { describe, expect, it } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';

/** The result line the script prints per app, e.g. `nest11-cjs  PASS  Tests: 3 passed, 3 total  (...)`. */
function resultOf(output: string, app: string): { verdict: string; passed: number; total: number } | undefined {
  const match = new RegExp(`^${app}\\s+(PASS|FAIL)\\s+Tests:\\s+(?:(\\d+) passed, )?.*?(\\d+) total`, 'm').exec(output);
  return match ? { verdict: match[1], passed: Number(match[2] ?? 0), total: Number(match[3]) } : undefined;
}

describe('consumer apps installing the packed tarball (scripts/consumer-apps.mjs)', () => {
  it(
    'a NestJS 11 CommonJS app (Jest CJS) and a NestJS 12 ESM app (Jest ESM) both pass against the embedded IdP',
    () => {
      const run = spawnSync(process.execPath, ['scripts/consumer-apps.mjs'], {
        cwd: resolve('.'),
        encoding: 'utf8',
        timeout: 8 * 60_000,
        maxBuffer: 64 * 1024 * 1024,
      });
      const output = `${run.stdout}${run.stderr}`;
      // On failure the whole log (npm and Jest output of both apps) is the message.
      expect({ status: run.status, signal: run.signal, tail: run.status === 0 ? 'ok' : output.slice(-20_000) }).toEqual({
        status: 0,
        signal: null,
        tail: 'ok',
      });
      for (const app of ['nest11-cjs', 'nest12-esm']) {
        const result = resultOf(output, app);
        expect({ app, ...result }).toEqual({ app, verdict: 'PASS', passed: expect.any(Number), total: expect.any(Number) });
        expect(result!.passed).toBeGreaterThanOrEqual(3);
        expect(result!.passed).toBe(result!.total);
      }
    },
    8 * 60_000 + 30_000,
  );
});
