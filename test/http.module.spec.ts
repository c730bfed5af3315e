import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { HttpService } from '@nestjs/axios';
import { Injectable } from '@nestjs/common';
import { ConfigModule, ConfigService } from '@nestjs/config';
import { Test, type TestingModule } from '@nestjs/testing';
import { firstValueFrom } from 'rxjs';
import { inspect } from 'node:util';
import {
  getTokenManagerToken,
  InjectTokenHttpService,
  TokenConfigError,
  TokenManagerService,
  TokenModule,
  type TokenModuleOptions,
} from '../lib/index.js';
import { RESOLVED_TOKEN_OPTIONS } from '../lib/core/injection-tokens.js';
import { ProgrammableServer } from './support/programmable-server.js';
import { jwtVerifier, ProtectedResource } from './support/protected-resource.js';
import { TestIdp } from './support/test-idp.js';

/** A user's service, as users write it. */
@Injectable()
class InvoicesClient {
  constructor(private readonly http: HttpService) {}

  async list(): Promise<unknown> {
    const response = await firstValueFrom(this.http.get('/invoices'));
    return response.data;
  }
}

describe('TokenModule exports an authorized HttpService', () => {
  let idp: TestIdp;
  let api: ProtectedResource;
  let base: TokenModuleOptions;

  beforeAll(async () => {
    idp = await TestIdp.start();
    api = await ProtectedResource.start(jwtVerifier(idp));
    base = { tokenUrl: idp.tokenUrl, clientId: 'test-client', clientSecret: 'test-secret-value-1234' };
  });
  afterAll(async () => {
    await api.stop();
    await idp.stop();
  });

  async function compile(imports: unknown[]): Promise<TestingModule> {
    const moduleRef = await Test.createTestingModule({ imports: imports as never[], providers: [InvoicesClient] }).compile();
    moduleRef.useLogger(false);
    await moduleRef.init();
    return moduleRef;
  }
  const startupError = (options: unknown) =>
    Test.createTestingModule({ imports: [TokenModule.forRoot(options as TokenModuleOptions)] })
      .compile()
      .then(
        () => undefined,
        (error: unknown) => error as TokenConfigError,
      );

  it('a provider injects HttpService and its calls carry a token the API accepts', async () => {
    const moduleRef = await compile([TokenModule.forRoot({ ...base, http: { baseURL: api.url, timeout: 5000 } })]);
    await expect(moduleRef.get(InvoicesClient).list()).resolves.toEqual({ ok: true, path: '/invoices', body: '' });
    expect(api.requestsTo('/invoices').at(-1)?.authorization).toBe(`Bearer ${await moduleRef.get(TokenManagerService).getAccessToken()}`);
    await moduleRef.close();
  });

  it('forRootAsync configures the HttpService from ConfigService the same way', async () => {
    const moduleRef = await compile([
      ConfigModule.forRoot({ ignoreEnvFile: true, load: [() => ({ API_BASE_URL: api.url })] }),
      TokenModule.forRootAsync({
        imports: [ConfigModule],
        inject: [ConfigService],
        useFactory: (config: ConfigService) => ({ ...base, http: { baseURL: config.getOrThrow<string>('API_BASE_URL') } }),
      }),
    ]);
    await expect(moduleRef.get(InvoicesClient).list()).resolves.toMatchObject({ ok: true });
    await moduleRef.close();
  });

  it('named clients each get their own authorized HttpService under their own token', async () => {
    @Injectable()
    class PartnerCalls {
      constructor(
        @InjectTokenHttpService('billing') readonly billing: HttpService,
        @InjectTokenHttpService('shipping') readonly shipping: HttpService,
      ) {}
    }
    const moduleRef = await Test.createTestingModule({
      imports: [
        TokenModule.forRoot({ ...base, name: 'billing', http: { baseURL: `${api.url}/billing` } }),
        TokenModule.forRoot({ ...base, name: 'shipping', http: { baseURL: `${api.url}/shipping` } }),
      ],
      providers: [PartnerCalls],
    }).compile();
    moduleRef.useLogger(false);
    await moduleRef.init();
    const calls = moduleRef.get(PartnerCalls);
    expect(calls.billing).not.toBe(calls.shipping);
    await firstValueFrom(calls.billing.get('/invoices'));
    await firstValueFrom(calls.shipping.get('/parcels'));
    const billingToken = await moduleRef.get<TokenManagerService>(getTokenManagerToken('billing')).getAccessToken();
    const shippingToken = await moduleRef.get<TokenManagerService>(getTokenManagerToken('shipping')).getAccessToken();
    expect(billingToken).not.toBe(shippingToken);
    expect(api.requestsTo('/billing/invoices').at(-1)?.authorization).toBe(`Bearer ${billingToken}`);
    expect(api.requestsTo('/shipping/parcels').at(-1)?.authorization).toBe(`Bearer ${shippingToken}`);
    await moduleRef.close();
  });

  it('without the http option the manager works and the HttpService refuses to send, naming the missing option', async () => {
    const moduleRef = await compile([TokenModule.forRoot(base)]);
    await expect(moduleRef.get(TokenManagerService).getAccessToken()).resolves.toMatch(/^eyJ/);
    const requestsBefore = api.requests.length;
    const error = await firstValueFrom(moduleRef.get(HttpService).get(`${api.url}/invoices`)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TokenConfigError);
    expect((error as TokenConfigError).problems).toEqual([expect.objectContaining({ field: 'http' })]);
    expect(api.requests.length).toBe(requestsBefore);
    await moduleRef.close();
  });

  it('closing the module detaches the interceptor from its axios instance', async () => {
    const moduleRef = await compile([TokenModule.forRoot({ ...base, http: { baseURL: api.url } })]);
    const axiosRef = moduleRef.get(HttpService).axiosRef;
    await axiosRef.get('/before-close');
    await moduleRef.close();
    await axiosRef.get('/after-close').catch(() => undefined);
    expect(api.requestsTo('/before-close')[0]?.authorization).toMatch(/^Bearer /);
    expect(api.requestsTo('/after-close')).toHaveLength(1);
    expect(api.requestsTo('/after-close')[0]?.authorization).toBeUndefined();
  });

  it("unsubscribing before the answer cancels the request, as with Nest's own HttpService", async () => {
    const hanging = await ProgrammableServer.start(() => undefined);
    const moduleRef = await compile([TokenModule.forRoot({ ...base, http: { baseURL: hanging.url } })]);
    const http = moduleRef.get(HttpService);
    expect(http).toBeInstanceOf(HttpService);
    const connectionClosed = new Promise<void>((resolve) => {
      hanging.handler = (_request, response) => {
        response.on('close', () => resolve());
      };
    });
    const received = new Promise<void>((resolve) => {
      const subscription = http.get('/never-answers').subscribe({ error: () => undefined });
      const poll = setInterval(() => {
        if (hanging.requests.length === 0) return;
        clearInterval(poll);
        subscription.unsubscribe();
        resolve();
      }, 5);
    });
    await received;
    await connectionClosed;
    expect(hanging.requests[0]?.headers.authorization).toMatch(/^Bearer /);
    await moduleRef.close();
    await hanging.stop();
  });

  it('http options are validated at startup with every problem listed by field', async () => {
    const error = await startupError({
      ...base,
      http: {
        baseURL: '/relative/api',
        allowedOrigins: [
          'https://api.example.com/v1',
          'ftp://files.example.com',
          'https://*.example.com',
          'https://api.example.com?x=1',
          42,
        ],
        headers: { common: { Authorization: 'Bearer static-header-value' } },
      },
      retryOn401: 'yes',
    });
    expect(error).toBeInstanceOf(TokenConfigError);
    expect(error!.problems.map((problem) => problem.field)).toEqual([
      'http.baseURL',
      'http.allowedOrigins[0]',
      'http.allowedOrigins[1]',
      'http.allowedOrigins[2]',
      'http.allowedOrigins[3]',
      'http.allowedOrigins[4]',
      'http.headers',
      'retryOn401',
    ]);
    expect(error!.message).not.toContain('static-header-value');
  });

  it('http with neither baseURL nor allowedOrigins fails at startup on http.allowedOrigins; "*" must stand alone', async () => {
    const neither = await startupError({ ...base, http: { timeout: 1000 } });
    expect(neither?.problems).toEqual([{ field: 'http.allowedOrigins', message: expect.stringContaining('required') }]);
    const mixed = await startupError({ ...base, http: { allowedOrigins: ['*', 'https://api.example.com'] } });
    expect(mixed?.problems).toEqual([{ field: 'http.allowedOrigins', message: expect.stringContaining('only entry') }]);
    const relative = await startupError({ ...base, http: { baseURL: '/api' } });
    expect(relative?.problems).toEqual([{ field: 'http.baseURL', message: 'must be an absolute URL' }]);
    const credentials = await startupError({ ...base, http: { baseURL: 'https://user:pass@api.example.com' } });
    expect(credentials?.problems.map((problem) => problem.field)).toEqual(['http.baseURL']);
    expect(credentials?.message).not.toContain('pass@');
  });

  it('accepts "*" alone and normalises origins (case, default port, trailing slash)', async () => {
    await expect(startupError({ ...base, http: { allowedOrigins: ['*'] } })).resolves.toBeUndefined();
    const moduleRef = await compile([TokenModule.forRoot({ ...base, http: { allowedOrigins: [`HTTP://127.0.0.1:${api.port}/`] } })]);
    await firstValueFrom(moduleRef.get(HttpService).get(`${api.url}/normalised`));
    expect(api.requestsTo('/normalised')[0]?.authorization).toMatch(/^Bearer /);
    await moduleRef.close();
  });

  it('header values of the http option never show in inspect or JSON of the resolved options', async () => {
    const apiKey = 'x-api-key-value-98765';
    const moduleRef = await compile([TokenModule.forRoot({ ...base, http: { baseURL: api.url, headers: { 'X-Api-Key': apiKey } } })]);
    await firstValueFrom(moduleRef.get(HttpService).get('/with-api-key'));
    expect(api.requestsTo('/with-api-key')[0]).toBeDefined();
    const resolved = moduleRef.get(RESOLVED_TOKEN_OPTIONS);
    for (const text of [inspect(resolved, { depth: 10 }), JSON.stringify(resolved)]) {
      expect(text).toContain(api.url);
      expect(text).not.toContain(apiKey);
    }
    await moduleRef.close();
  });
});
