import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Test } from '@nestjs/testing';
import { inspect } from 'node:util';
import { TOKEN_MODULE_OPTIONS, TokenManagerService, TokenModule } from '../lib/index.js';
import { RESOLVED_TOKEN_OPTIONS } from '../lib/token.internal-constants.js';
import { TestIdp } from './support/test-idp.js';
import { CapturingLogger } from './support/capturing-logger.js';

const SECRET = 'inspect-me-secret-77aa';

describe('secrets never leak from the module objects', () => {
  let idp: TestIdp;

  beforeAll(async () => {
    idp = await TestIdp.start({ clients: [{ clientId: 'leak-client', clientSecret: SECRET }] });
  });
  afterAll(async () => {
    await idp.stop();
  });

  it('util.inspect and JSON.stringify of the resolved options and the manager show no secret or token; logs neither', async () => {
    const logger = new CapturingLogger();
    const moduleRef = await Test.createTestingModule({
      imports: [TokenModule.forRoot({ tokenUrl: idp.tokenUrl, clientId: 'leak-client', clientSecret: SECRET })],
    }).compile();
    moduleRef.useLogger(logger);
    await moduleRef.init();
    const manager = moduleRef.get(TokenManagerService);
    const token = await manager.getAccessToken();
    manager.invalidate(token);
    const second = await manager.getAccessToken();

    const resolved = moduleRef.get(RESOLVED_TOKEN_OPTIONS);
    const renderings = [
      inspect(resolved, { depth: 10, showHidden: true }),
      JSON.stringify(resolved),
      inspect(manager, { depth: 10, showHidden: true }),
      JSON.stringify(manager),
      ...logger.lines,
    ].join('\n');
    expect(renderings).toContain('leak-client');
    expect(renderings).toContain('[redacted]');
    expect(logger.lines.some((line) => line.includes('acquired'))).toBe(true);
    for (const secret of [SECRET, token, second, Buffer.from(`leak-client:${SECRET}`).toString('base64')]) {
      expect(renderings).not.toContain(secret);
    }
    // The user's own options object is theirs; the module's copy is the redacted one.
    expect(moduleRef.get(TOKEN_MODULE_OPTIONS).clientSecret).toBe(SECRET);
    await moduleRef.close();
  });
});
