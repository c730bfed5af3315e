import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { ConfigService } from '@nestjs/config';
import { Test } from '@nestjs/testing';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { inspect } from 'node:util';
import { TOKEN_MODULE_OPTIONS, TokenManagerService, TokenModule, type TokenModuleOptions } from '../lib/index.js';
import { RedisTokenStore } from '../lib/redis/index.js';
import { RESOLVED_TOKEN_OPTIONS } from '../lib/core/injection-tokens.js';
import { TestIdp } from './support/test-idp.js';
import { CapturingLogger } from './support/capturing-logger.js';
import { clearOauth2Environment, startTokenConfigApp } from './support/environment.js';
import { generateTestCertificates } from './support/test-certificates.js';

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

  it('a function key in the token URL query (Azure Functions ?code=) or in extraParams never prints: URLs show origin and path, extraParams their names', async () => {
    const functionKey = 'azure-function-key-91fe';
    const moduleRef = await Test.createTestingModule({
      imports: [
        TokenModule.forRoot({
          tokenUrl: `${idp.tokenUrl}?code=${functionKey}`,
          clientId: 'leak-client',
          clientSecret: SECRET,
          extraParams: { code: functionKey },
          revocationUrl: `${idp.revocationUrl}?code=${functionKey}`,
          http: { baseURL: `https://api.example.com/v1?code=${functionKey}` },
        }),
      ],
    }).compile();
    moduleRef.useLogger(false);
    await moduleRef.init();
    try {
      const manager = moduleRef.get(TokenManagerService);
      await expect(manager.getAccessToken()).resolves.toMatch(/^eyJ/);
      const resolved = moduleRef.get(RESOLVED_TOKEN_OPTIONS);
      const renderings = [
        inspect(resolved, { depth: 10, showHidden: true }),
        JSON.stringify(resolved),
        inspect(manager, { depth: 10 }),
        JSON.stringify(manager),
      ].join('\n');
      expect(renderings).not.toContain(functionKey);
      expect(JSON.parse(JSON.stringify(manager))).toMatchObject({ tokenUrl: idp.tokenUrl });
      expect(JSON.parse(JSON.stringify(resolved))).toMatchObject({
        tokenUrl: idp.tokenUrl,
        revocationUrl: idp.revocationUrl,
        extraParams: { code: '[redacted]' },
        http: { baseURL: 'https://api.example.com/v1' },
      });
    } finally {
      await moduleRef.close();
    }
  });
});

/** Everything a value shows when printed or serialised. */
const printed = (value: unknown): string => `${inspect(value, { depth: 10, showHidden: true })}\n${JSON.stringify(value)}`;

describe('secrets never leak from the options: the config namespace and the options the module keeps', () => {
  const AZURE_KEY = 'azure-function-key-3c9d';
  const ENCRYPTION_KEY = randomBytes(32);
  const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
  const dpopPem = ec.export({ type: 'pkcs8', format: 'pem' }) as string;
  const rsaPem = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs8', format: 'pem' }) as string;
  const certs = generateTestCertificates('leak-client');
  /** A line of key material from the middle of a PEM: what a printed key would show. */
  const keyLine = (pem: string) => pem.split('\n')[1];
  let idp: TestIdp;

  beforeAll(async () => {
    idp = await TestIdp.start({ clients: [{ clientId: 'leak-client', clientSecret: SECRET }], dpop: false });
  });
  afterAll(async () => {
    await idp.stop();
    clearOauth2Environment();
  });

  it('configService.get("oauth2") and the module options print [redacted] for the secret, the DPoP key and extraParams values, and no query string; the module still gets its token', async () => {
    Object.assign(process.env, {
      OAUTH2_TOKEN_URL: `${idp.tokenUrl}?code=${AZURE_KEY}`,
      OAUTH2_CLIENT_ID: 'leak-client',
      OAUTH2_CLIENT_SECRET: SECRET,
      OAUTH2_EXTRA_PARAMS: `code=${AZURE_KEY}`,
      OAUTH2_DPOP_PRIVATE_KEY: dpopPem,
      OAUTH2_DPOP_ALLOW_BEARER_DOWNGRADE: 'true',
    });
    const moduleRef = await startTokenConfigApp();
    try {
      const namespace = moduleRef.get(ConfigService).get<TokenModuleOptions>('oauth2')!;
      const kept = moduleRef.get<TokenModuleOptions>(TOKEN_MODULE_OPTIONS);
      const renderings = [
        printed(namespace),
        printed(kept),
        printed(moduleRef.get(RESOLVED_TOKEN_OPTIONS)),
        printed(moduleRef.get(TokenManagerService)),
      ].join('\n');
      for (const secret of [SECRET, AZURE_KEY, keyLine(dpopPem)]) expect(renderings).not.toContain(secret);
      expect(renderings).toContain('[redacted]');
      expect(renderings).toContain(idp.tokenUrl);
      expect(JSON.parse(JSON.stringify(kept))).toMatchObject({
        clientId: 'leak-client',
        clientSecret: '[redacted]',
        extraParams: { code: '[redacted]' },
        dpop: { privateKey: '[redacted]' },
      });
      // The values themselves are untouched: the module authenticates with them.
      expect(namespace.clientSecret).toBe(SECRET);
      expect(kept.clientSecret).toBe(SECRET);
      expect(kept.extraParams).toEqual({ code: AZURE_KEY });
      await expect(moduleRef.get(TokenManagerService).getAccessToken()).resolves.toMatch(/^eyJ/);
    } finally {
      await moduleRef.close();
      clearOauth2Environment();
    }
  });

  it.each([
    ['private_key_jwt', { clientAuthMethod: 'private_key_jwt', privateKeyJwt: { key: rsaPem, kid: 'leak-kid' } }, [keyLine(rsaPem)]],
    [
      'tls_client_auth',
      {
        clientAuthMethod: 'tls_client_auth',
        tlsClientAuth: { cert: certs.clientCert, key: certs.clientKeyEncrypted, passphrase: certs.clientKeyPassphrase, ca: certs.caCert },
      },
      [keyLine(certs.clientKeyEncrypted), certs.clientKeyPassphrase],
    ],
    [
      'session exchange',
      { clientSecret: SECRET, sessionExchange: { url: `../sessions?sig=${AZURE_KEY}`, code: 'session-code-77ab' } },
      [SECRET, AZURE_KEY, 'session-code-77ab'],
    ],
    ['a store with an encryption key', { clientSecret: SECRET, store: 'redis' }, [SECRET, ENCRYPTION_KEY.toString('base64')]],
  ])(
    'the options the module keeps (%s) print no secret, through forRoot and forRootAsync',
    async (_scenario, settings: Record<string, unknown>, secrets) => {
      const store =
        settings.store === 'redis'
          ? new RedisTokenStore({
              redis: { host: '127.0.0.1', port: 1, lazyConnect: true },
              encryptionKey: ENCRYPTION_KEY.toString('base64'),
            })
          : undefined;
      const options = { tokenUrl: idp.tokenUrl, clientId: 'leak-client', ...settings, ...(store ? { store } : {}) } as TokenModuleOptions;
      for (const registration of [TokenModule.forRoot(options), TokenModule.forRootAsync({ useFactory: () => options })]) {
        const moduleRef = await Test.createTestingModule({ imports: [registration] }).compile();
        moduleRef.useLogger(false);
        try {
          const kept = moduleRef.get<TokenModuleOptions>(TOKEN_MODULE_OPTIONS);
          const rendering = `${printed(kept)}\n${printed(moduleRef.get(RESOLVED_TOKEN_OPTIONS))}`;
          expect(rendering).toContain('[redacted]');
          for (const secret of secrets) expect(rendering).not.toContain(secret);
        } finally {
          await moduleRef.close();
        }
      }
    },
  );
});
