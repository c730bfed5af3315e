import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Injectable, Module } from '@nestjs/common';
import { Test, type TestingModule } from '@nestjs/testing';
import { getTokenManagerToken, InjectTokenManager, TokenConfigError, TokenManagerService, TokenModule } from '../lib/index.js';
import { TestIdp } from './support/test-idp.js';

const BILLING = { clientId: 'billing-client', clientSecret: 'billing-secret-123456' };
const SHIPPING = { clientId: 'shipping-client', clientSecret: 'shipping-secret-654321', authMethod: 'client_secret_post' as const };

const clientIdOf = (token: string) => JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString('utf8')).client_id as string;

@Injectable()
class PartnerCalls {
  constructor(
    @InjectTokenManager('billing') readonly billing: TokenManagerService,
    @InjectTokenManager('shipping') readonly shipping: TokenManagerService,
  ) {}
}

@Injectable()
class UnnamedConsumer {
  constructor(readonly tokens: TokenManagerService) {}
}

@Injectable()
class ShippingConsumer {
  constructor(@InjectTokenManager('shipping') readonly tokens: TokenManagerService) {}
}

describe('named clients: several TokenModule registrations in one app', () => {
  let idp: TestIdp;
  let moduleRef: TestingModule;

  beforeAll(async () => {
    idp = await TestIdp.start({ clients: [BILLING, SHIPPING] });
    @Module({
      imports: [
        TokenModule.forRoot({ name: 'billing', tokenUrl: idp.tokenUrl, ...BILLING }),
        TokenModule.forRootAsync({
          name: 'shipping',
          useFactory: async () => ({ tokenUrl: idp.tokenUrl, clientId: SHIPPING.clientId, clientSecret: SHIPPING.clientSecret, clientAuthMethod: 'client_secret_post' }),
        }),
      ],
      providers: [PartnerCalls],
    })
    class AppModule {}
    moduleRef = await Test.createTestingModule({ imports: [AppModule] }).compile();
    moduleRef.useLogger(false);
    await moduleRef.init();
  });
  afterAll(async () => {
    await moduleRef?.close();
    await idp.stop();
  });

  it('each name injects its own manager, and tokens never cross: 50 concurrent calls per client, one request each', async () => {
    const { billing, shipping } = moduleRef.get(PartnerCalls);
    expect(billing).not.toBe(shipping);
    expect(billing.name).toBe('billing');
    expect(shipping.name).toBe('shipping');
    idp.tokenRequests = 0;
    idp.delayMs = 30;
    const [billingTokens, shippingTokens] = await Promise.all([
      Promise.all(Array.from({ length: 50 }, () => billing.getAccessToken())),
      Promise.all(Array.from({ length: 50 }, () => shipping.getAccessToken())),
    ]);
    idp.delayMs = 0;
    expect(idp.tokenRequests).toBe(2);
    expect(new Set(billingTokens).size).toBe(1);
    expect(new Set(shippingTokens).size).toBe(1);
    expect(clientIdOf(billingTokens[0]!)).toBe(BILLING.clientId);
    expect(clientIdOf(shippingTokens[0]!)).toBe(SHIPPING.clientId);
  });

  it('invalidating one client leaves the other’s token in place', async () => {
    const billing = moduleRef.get<TokenManagerService>(getTokenManagerToken('billing'));
    const shipping = moduleRef.get<TokenManagerService>(getTokenManagerToken('shipping'));
    const shippingToken = await shipping.getAccessToken();
    await billing.getAccessToken();
    billing.invalidate();
    expect(billing.getTokenInfo()).toBeNull();
    expect(shipping.getTokenInfo()).not.toBeNull();
    await expect(shipping.getAccessToken()).resolves.toBe(shippingToken);
  });

  it('a named registration does not export the TokenManagerService class: injecting it by class fails at startup', async () => {
    expect(getTokenManagerToken()).toBe(TokenManagerService);
    const compiling = Test.createTestingModule({
      imports: [TokenModule.forRoot({ name: 'billing', tokenUrl: idp.tokenUrl, ...BILLING })],
      providers: [UnnamedConsumer],
    }).compile();
    await expect(compiling).rejects.toThrow(/TokenManagerService/);
  });

  it('the unnamed client works next to a named one and is the one injected by class', async () => {
    const ref = await Test.createTestingModule({
      imports: [
        TokenModule.forRoot({ tokenUrl: idp.tokenUrl, ...BILLING }),
        TokenModule.forRoot({ name: 'shipping', tokenUrl: idp.tokenUrl, clientId: SHIPPING.clientId, clientSecret: SHIPPING.clientSecret, clientAuthMethod: 'client_secret_post' }),
      ],
      providers: [UnnamedConsumer, ShippingConsumer],
    }).compile();
    ref.useLogger(false);
    try {
      const unnamed = ref.get(UnnamedConsumer).tokens;
      const shipping = ref.get(ShippingConsumer).tokens;
      expect(unnamed.name).toBeUndefined();
      expect(shipping.name).toBe('shipping');
      expect(clientIdOf(await unnamed.getAccessToken())).toBe(BILLING.clientId);
      expect(clientIdOf(await shipping.getAccessToken())).toBe(SHIPPING.clientId);
    } finally {
      await ref.close();
    }
  });

  it('an empty name is rejected with a TokenConfigError', () => {
    expect(() => TokenModule.forRoot({ name: ' ', tokenUrl: idp.tokenUrl, ...BILLING })).toThrow(TokenConfigError);
  });
});
