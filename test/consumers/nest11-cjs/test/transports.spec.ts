import 'reflect-metadata';
import { credentials } from '@grpc/grpc-js';
import type { INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { TokenManagerService, createAuthorizedFetch } from 'nestjs-client-credentials';
import { createGrpcTokenInterceptor } from 'nestjs-client-credentials/grpc';
import { createUndiciTokenInterceptor } from 'nestjs-client-credentials/undici';
import { Agent, request } from 'undici';
import { AppModule } from '../src/app.module';
import { FetchDownstreamService } from '../src/fetch-downstream.service';
import { WhoamiClient, type WhoamiReply, startWhoamiServer } from './whoami-grpc-server';

// The demo API answers 401 without a valid Bearer token; 200 with our client id proves the token was sent.
describe('a NestJS 11 CommonJS app sending its token over fetch, undici and gRPC (CommonJS builds of every entry)', () => {
  const apiBaseUrl = process.env.OAUTH2_API_BASE_URL!;
  const clientId = process.env.OAUTH2_CLIENT_ID;
  let app: INestApplication;
  let manager: TokenManagerService;

  beforeAll(async () => {
    const moduleRef = await Test.createTestingModule({ imports: [AppModule] }).compile();
    app = moduleRef.createNestApplication({ logger: false });
    await app.init();
    manager = app.get(TokenManagerService);
  });

  afterAll(async () => {
    await app?.close();
  });

  it('loads the CommonJS builds of the undici and grpc entries', () => {
    expect(require.resolve('nestjs-client-credentials/undici')).toMatch(/[\\/]dist[\\/]cjs[\\/]undici[\\/]index\.js$/);
    expect(require.resolve('nestjs-client-credentials/grpc')).toMatch(/[\\/]dist[\\/]cjs[\\/]grpc[\\/]index\.js$/);
  });

  it('calls the protected API through the fetch injected with @InjectAuthorizedFetch()', async () => {
    const result = await app.get(FetchDownstreamService).hello();
    expect(result).toMatchObject({ status: 200, data: { path: '/hello', client: clientId } });
  });

  it('calls the protected API through createAuthorizedFetch on the manager', async () => {
    const api = createAuthorizedFetch(manager, { baseURL: apiBaseUrl });
    const response = await api('/hello');
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ path: '/hello', client: clientId });
  });

  it('calls the protected API with undici.request on an Agent composed with createUndiciTokenInterceptor', async () => {
    const agent = new Agent();
    try {
      const dispatcher = agent.compose(createUndiciTokenInterceptor(manager, { allowedOrigins: [new URL(apiBaseUrl).origin] }));
      const { statusCode, body } = await request(`${apiBaseUrl}/hello`, { dispatcher });
      expect(statusCode).toBe(200);
      expect(await body.json()).toMatchObject({ path: '/hello', client: clientId });
    } finally {
      await agent.close();
    }
  });

  it('calls a grpc-js server with a client carrying createGrpcTokenInterceptor', async () => {
    const server = await startWhoamiServer(apiBaseUrl);
    const client = new WhoamiClient(server.address, credentials.createInsecure(), { interceptors: [createGrpcTokenInterceptor(manager)] });
    try {
      const reply = await new Promise<WhoamiReply>((done, fail) =>
        (client as unknown as { whoami: (request: object, callback: (error: unknown, reply: WhoamiReply) => void) => void }).whoami(
          {},
          (error, answer) => (error ? fail(error) : done(answer)),
        ),
      );
      expect(reply).toEqual({ status: 200, client: clientId });
    } finally {
      client.close();
      server.stop();
    }
  });
});
