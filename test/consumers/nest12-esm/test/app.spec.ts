import 'reflect-metadata';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { createRequire } from 'node:module';
import { TokenManagerService } from 'nestjs-client-credentials';
import { AppModule } from '../src/app.module.js';
import { DownstreamService } from '../src/downstream.service.js';

describe('a NestJS 12 ESM app using nestjs-client-credentials from its tarball', () => {
  let app: INestApplication;
  let baseUrl: string;

  beforeAll(async () => {
    for (const name of ['OAUTH2_TOKEN_URL', 'OAUTH2_CLIENT_ID', 'OAUTH2_CLIENT_SECRET', 'OAUTH2_API_BASE_URL']) {
      if (!process.env[name]) throw new Error(`${name} must point at the IdP and API (run scripts/consumer-apps.mjs)`);
    }
    const moduleRef = await Test.createTestingModule({ imports: [AppModule] }).compile();
    app = moduleRef.createNestApplication({ logger: false });
    await app.listen(0, '127.0.0.1');
    baseUrl = await app.getUrl();
  });

  afterAll(async () => {
    await app?.close();
  });

  it('runs on NestJS 12 and loads the ESM build of the package', () => {
    expect(createRequire(import.meta.url)('@nestjs/core/package.json').version).toMatch(/^12\./);
    expect(import.meta.resolve('nestjs-client-credentials')).toMatch(/\/dist\/esm\/index\.js$/);
  });

  it('calls the protected API through the injected authorized HttpService', async () => {
    const result = await app.get(DownstreamService).hello();
    expect(result.status).toBe(200);
    // The demo API answers 401 without a valid Bearer token; 200 with our client id proves the token was sent.
    expect(result.data).toMatchObject({ path: '/hello', client: process.env.OAUTH2_CLIENT_ID });
    const info = app.get(TokenManagerService).getTokenInfo();
    expect(info?.tokenType).toBe('Bearer');
    expect(info!.expiresAt.getTime()).toBeGreaterThan(Date.now());
  });

  it('GET /health answers 200 with the token indicator up', async () => {
    const response = await fetch(`${baseUrl}/health`);
    expect(response.status).toBe(200);
    const body = (await response.json()) as { status: string; info: Record<string, { status: string }> };
    expect(body.status).toBe('ok');
    expect(body.info.oauth2?.status).toBe('up');
  });
});
