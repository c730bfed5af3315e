import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { HttpService } from '@nestjs/axios';
import { Injectable, Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { Test, type TestingModule } from '@nestjs/testing';
import { isAxiosError } from 'axios';
import { firstValueFrom } from 'rxjs';
import { TokenHealthIndicator } from '../../lib/health/index.js';
import { TokenConfigError, TokenEndpointError, TokenManagerService, TokenModule } from '../../lib/index.js';
import { createTokenManagerMock, TokenManagerMock, TokenTestingModule } from '../../lib/testing/index.js';
import { ManualClock } from '../support/manual-clock.js';
import { json, ProgrammableServer } from '../support/programmable-server.js';

/** A user's service: lists invoices from a partner API through the module's HttpService. */
@Injectable()
class InvoicesClient {
  static baseUrl = '';
  constructor(private readonly http: HttpService) {}

  async list(): Promise<string[]> {
    const response = await firstValueFrom(this.http.get<string[]>(`${InvoicesClient.baseUrl}/invoices`));
    return response.data;
  }
}

/** The same service as a user writes it for TokenModule's `http.baseURL`: relative paths only. */
@Injectable()
class RelativeInvoicesClient {
  constructor(private readonly http: HttpService) {}

  async list(): Promise<string[]> {
    return (await firstValueFrom(this.http.get<string[]>('/invoices'))).data;
  }
}

/** A user's service that builds its own Authorization header from TokenManagerService. */
@Injectable()
class ReportsClient {
  constructor(private readonly tokens: TokenManagerService) {}

  async headers(): Promise<Record<string, string>> {
    return { Authorization: `Bearer ${await this.tokens.getAccessToken()}` };
  }
}

@Module({
  imports: [
    TokenModule.forRoot({ tokenUrl: 'https://idp.invalid/oauth2/token', clientId: 'reports', clientSecret: 'production-secret-9876' }),
  ],
  providers: [ReportsClient],
})
class ReportsAppModule {}

describe('testing a service with TokenTestingModule', () => {
  let api: ProgrammableServer;
  let moduleRef: TestingModule | undefined;
  /** Tokens the partner API accepts. */
  let accepted = new Set<string>();

  beforeAll(async () => {
    api = await ProgrammableServer.start((request, response) => {
      const token = String(request.headers.authorization ?? '').replace(/^Bearer /, '');
      if (accepted.has(token)) json(response, 200, ['INV-1', 'INV-2']);
      else json(response, 401, { error: 'invalid_token' }, { 'www-authenticate': 'Bearer error="invalid_token"' });
    });
    InvoicesClient.baseUrl = api.url;
  });
  afterAll(async () => {
    await api.stop();
  });
  afterEach(async () => {
    await moduleRef?.close();
    moduleRef = undefined;
    api.requests.length = 0;
  });

  async function compile(
    imports: NonNullable<Parameters<typeof Test.createTestingModule>[0]['imports']>,
  ): Promise<{ client: InvoicesClient; tokens: TokenManagerMock }> {
    moduleRef = await Test.createTestingModule({ imports, providers: [InvoicesClient] }).compile();
    return { client: moduleRef.get(InvoicesClient), tokens: moduleRef.get(TokenManagerMock) };
  }

  const authorizations = () => api.requests.map((request) => request.headers.authorization);

  it('the service calls its API with the scripted token, and the mock counts the token lookups', async () => {
    accepted = new Set(['scripted-token']);
    const { client, tokens } = await compile([TokenTestingModule.forRoot({ token: 'scripted-token' })]);
    await expect(client.list()).resolves.toEqual(['INV-1', 'INV-2']);
    await client.list();
    expect(authorizations()).toEqual(['Bearer scripted-token', 'Bearer scripted-token']);
    expect(tokens.getAccessTokenCalls).toBe(2);
    expect(tokens.invalidateCalls).toBe(0);
  });

  it('a 401 on a scripted expired token is retried once with the next token, invalidating the rejected one', async () => {
    accepted = new Set(['fresh-token']);
    const { client, tokens } = await compile([TokenTestingModule.forRoot({ tokens: ['expired-token', 'fresh-token'] })]);
    const events: string[] = [];
    tokens.events$.subscribe((event) => events.push(event.type));
    await expect(client.list()).resolves.toEqual(['INV-1', 'INV-2']);
    expect(authorizations()).toEqual(['Bearer expired-token', 'Bearer fresh-token']);
    expect(tokens.invalidatedTokens).toEqual(['expired-token']);
    expect(tokens.getAccessTokenCalls).toBe(2);
    expect(events).toEqual(['acquired', 'invalidated', 'refreshed', 'unauthorized_retry']);
  });

  it('with http.baseURL, a service written for relative URLs calls its API and renews a rejected token once', async () => {
    accepted = new Set(['fresh-token']);
    moduleRef = await Test.createTestingModule({
      imports: [TokenTestingModule.forRoot({ tokens: ['expired-token', 'fresh-token'], http: { baseURL: api.url, timeout: 5000 } })],
      providers: [RelativeInvoicesClient],
    }).compile();
    await expect(moduleRef.get(RelativeInvoicesClient).list()).resolves.toEqual(['INV-1', 'INV-2']);
    expect(api.requests.map((request) => request.url)).toEqual(['/invoices', '/invoices']);
    expect(authorizations()).toEqual(['Bearer expired-token', 'Bearer fresh-token']);
    expect(moduleRef.get(TokenManagerMock).invalidatedTokens).toEqual(['expired-token']);
  });

  it('a request naming tokenParameters gets the scripted token too (the mock has one token for every parameter set)', async () => {
    accepted = new Set(['scripted-token']);
    moduleRef = await Test.createTestingModule({
      imports: [TokenTestingModule.forRoot({ token: 'scripted-token', http: { baseURL: api.url } })],
    }).compile();
    const http = moduleRef.get(HttpService);
    await firstValueFrom(http.get('/invoices', { tokenParameters: { resource: 'https://orders.example.test/', scope: 'orders:write' } }));
    expect(authorizations()).toEqual(['Bearer scripted-token']);
  });

  it('with http, the token goes only to the allowed origins, as TokenModule sends it in production', async () => {
    accepted = new Set(['scripted-token']);
    const other = await ProgrammableServer.start((_request, response) => json(response, 200, ['OTHER']));
    try {
      moduleRef = await Test.createTestingModule({
        imports: [TokenTestingModule.forRoot({ token: 'scripted-token', http: { baseURL: api.url } })],
      }).compile();
      const http = moduleRef.get(HttpService);
      await firstValueFrom(http.get('/invoices'));
      await firstValueFrom(http.get(`${other.url}/elsewhere`));
      expect(authorizations()).toEqual(['Bearer scripted-token']);
      expect(other.requests.map((request) => request.headers.authorization)).toEqual([undefined]);
    } finally {
      await other.stop();
    }
  });

  it('an http option TokenModule would refuse is refused with the same TokenConfigError problems', () => {
    const refuse = (http: object) => {
      try {
        TokenTestingModule.forRoot({ http });
        return 'accepted';
      } catch (error) {
        return error instanceof TokenConfigError
          ? { message: error.message.split('\n')[0], fields: error.problems.map((problem) => problem.field) }
          : error;
      }
    };
    expect(refuse({ baseURL: '/relative' })).toEqual({
      message: 'Invalid TokenTestingModule options (1 problem):',
      fields: ['http.baseURL'],
    });
    expect(refuse({ timeout: 1000 })).toEqual({
      message: 'Invalid TokenTestingModule options (1 problem):',
      fields: ['http.allowedOrigins'],
    });
    expect(refuse({ baseURL: 'http://127.0.0.1:1', headers: { Authorization: 'Bearer fixed' } })).toMatchObject({
      fields: ['http.headers'],
    });
  });

  it('a second 401 reaches the service as the API error, after exactly one retry', async () => {
    accepted = new Set();
    const { client, tokens } = await compile([TokenTestingModule.forRoot({ tokens: ['revoked-1', 'revoked-2'] })]);
    const failure = await client.list().catch((error: unknown) => error);
    expect(isAxiosError(failure) && failure.response?.status).toBe(401);
    expect(authorizations()).toEqual(['Bearer revoked-1', 'Bearer revoked-2']);
    expect(tokens.invalidateCalls).toBe(1);
  });

  it('a scripted token endpoint failure reaches the service before any API call, and the next call recovers', async () => {
    accepted = new Set(['after-outage']);
    const { client, tokens } = await compile([TokenTestingModule.forRoot({ token: 'after-outage' })]);
    tokens.failNext(new TokenEndpointError({ status: 503, error: 'temporarily_unavailable' }));
    await expect(client.list()).rejects.toMatchObject({ name: 'TokenEndpointError', status: 503 });
    expect(api.requests).toHaveLength(0);
    await expect(client.list()).resolves.toEqual(['INV-1', 'INV-2']);

    tokens.script({ error: new TokenEndpointError({ status: 401, error: 'invalid_client' }) });
    await expect(client.list()).rejects.toMatchObject({ error: 'invalid_client' });
    await expect(client.list()).rejects.toMatchObject({ error: 'invalid_client' });
    expect(tokens.getAccessTokenCalls).toBe(4);
  });

  it('a health endpoint can be tested with scripted outages: down while the IdP fails, up with a token', async () => {
    moduleRef = await Test.createTestingModule({
      imports: [
        TerminusModule.forRoot({ logger: false }),
        TokenTestingModule.forRoot({ error: new TokenEndpointError({ status: 401, error: 'invalid_client' }) }),
      ],
      providers: [TokenHealthIndicator],
    }).compile();
    moduleRef.useLogger(false);
    const indicator = moduleRef.get(TokenHealthIndicator);
    const tokens = moduleRef.get(TokenManagerMock);
    expect(await indicator.isHealthy()).toEqual({
      oauth2: {
        status: 'down',
        secondsToExpiry: null,
        lastRefreshAt: null,
        lastError: { class: 'TokenEndpointError', message: 'Token endpoint answered HTTP 401: invalid_client' },
        reason: 'no valid token: the token request failed',
      },
    });
    const clock = new ManualClock();
    tokens.script({ token: 'healthy-token', expiresInSeconds: 600, clock: clock.now });
    expect((await indicator.isHealthy('partner-api'))['partner-api']).toEqual({
      status: 'up',
      secondsToExpiry: 600,
      lastRefreshAt: new Date(clock.nowMs).toISOString(),
      lastError: { class: 'TokenEndpointError', message: 'Token endpoint answered HTTP 401: invalid_client' },
    });
    clock.advanceSeconds(100);
    expect((await indicator.isHealthy('partner-api'))['partner-api']).toMatchObject({ status: 'up', secondsToExpiry: 500 });
    expect(tokens.getTokenInfo()?.expiresAt).toEqual(new Date(Date.UTC(2026, 0, 1) + 600_000));
    await expect(firstValueFrom(tokens.accessToken$)).resolves.toBe('healthy-token');
    expect(tokens.getAccessTokenCalls).toBe(4);
  });

  it("overrideProvider(TokenManagerService) swaps the real manager in the user's AppModule, so no IdP is contacted", async () => {
    const tokens = createTokenManagerMock({ token: 'override-token' });
    moduleRef = await Test.createTestingModule({ imports: [ReportsAppModule] })
      .overrideProvider(TokenManagerService)
      .useValue(tokens)
      .compile();
    const reports = moduleRef.get(ReportsClient);
    await expect(reports.headers()).resolves.toEqual({ Authorization: 'Bearer override-token' });
    expect(moduleRef.get(TokenManagerService)).toBe(tokens);
    expect(tokens.getAccessTokenCalls).toBe(1);
    tokens.invalidate('some-older-token');
    expect(tokens.currentToken).toBe('override-token');
    expect(tokens.invalidatedTokens).toEqual(['some-older-token']);
  });
});
