import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Injectable, Module } from '@nestjs/common';
import { Test, type TestingModule } from '@nestjs/testing';
import { type AuthorizedFetch, getAuthorizedFetchToken, InjectAuthorizedFetch, TokenConfigError, TokenModule } from '../lib/index.js';
import { jwtVerifier, ProtectedResource } from './support/protected-resource.js';
import { TestIdp } from './support/test-idp.js';

const BILLING = { clientId: 'billing-client', clientSecret: 'billing-secret-123456' };
const SHIPPING = { clientId: 'shipping-client', clientSecret: 'shipping-secret-654321' };

const clientIdOf = (authorization: string | undefined) =>
  JSON.parse(Buffer.from(authorization!.split(' ')[1].split('.')[1], 'base64url').toString('utf8')).client_id as string;

@Injectable()
class PartnerCalls {
  constructor(
    @InjectAuthorizedFetch() readonly billing: AuthorizedFetch,
    @InjectAuthorizedFetch('shipping') readonly shipping: AuthorizedFetch,
  ) {}
}

describe('the authorized fetch TokenModule provides, unnamed and named', () => {
  let idp: TestIdp;
  let api: ProtectedResource;
  let outside: ProtectedResource;
  let moduleRef: TestingModule;

  beforeAll(async () => {
    idp = await TestIdp.start({ clients: [BILLING, SHIPPING] });
    api = await ProtectedResource.start(jwtVerifier(idp));
    outside = await ProtectedResource.start('public');
    @Module({
      imports: [
        TokenModule.forRoot({ tokenUrl: idp.tokenUrl, ...BILLING, http: { baseURL: api.url } }),
        TokenModule.forRootAsync({
          name: 'shipping',
          useFactory: async () => ({ tokenUrl: idp.tokenUrl, ...SHIPPING, http: { allowedOrigins: [api.url] } }),
        }),
        TokenModule.forRoot({ name: 'without-http', tokenUrl: idp.tokenUrl, ...SHIPPING }),
      ],
      providers: [PartnerCalls],
    })
    class AppModule {}
    moduleRef = await Test.createTestingModule({ imports: [AppModule] }).compile();
  });
  afterAll(async () => {
    await moduleRef.close();
    await Promise.all([api.stop(), outside.stop()]);
    await idp.stop();
  });

  it("each injected fetch carries its own client's token to the allowed origin, and none elsewhere", async () => {
    const calls = moduleRef.get(PartnerCalls);
    expect((await calls.billing('/invoices')).status).toBe(200);
    expect((await calls.shipping(`${api.url}/parcels`)).status).toBe(200);
    await calls.billing(`${outside.url}/elsewhere`);
    expect(clientIdOf(api.requestsTo('/invoices')[0]?.authorization)).toBe(BILLING.clientId);
    expect(clientIdOf(api.requestsTo('/parcels')[0]?.authorization)).toBe(SHIPPING.clientId);
    expect(outside.requestsTo('/elsewhere')[0]?.authorization).toBeUndefined();
    expect(moduleRef.get(getAuthorizedFetchToken('shipping'))).toBe(calls.shipping);
  });

  it('a client registered without the http option has a fetch that rejects with TokenConfigError naming it, before any I/O', async () => {
    const withoutHttp = moduleRef.get<AuthorizedFetch>(getAuthorizedFetchToken('without-http'));
    idp.tokenRequests = 0;
    await expect(withoutHttp(`${api.url}/never`)).rejects.toThrow(TokenConfigError);
    await expect(withoutHttp(`${api.url}/never`)).rejects.toThrow(/http: is required/);
    expect(api.requestsTo('/never')).toHaveLength(0);
    expect(idp.tokenRequests).toBe(0);
  });
});
