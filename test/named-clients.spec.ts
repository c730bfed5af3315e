import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Injectable, Module } from '@nestjs/common';
import { ConfigModule, ConfigService } from '@nestjs/config';
import { Test, type TestingModule } from '@nestjs/testing';
import {
  getTokenManagerToken,
  InjectTokenManager,
  TokenConfigError,
  TokenEndpointError,
  TokenManagerService,
  TokenModule,
} from '../lib/index.js';
import { TestIdp } from './support/test-idp.js';

const BILLING = { clientId: 'billing-client', clientSecret: 'billing-secret-123456' };
const SHIPPING = { clientId: 'shipping-client', clientSecret: 'shipping-secret-654321', authMethod: 'client_secret_post' as const };

const clientIdOf = (token: string) => JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString('utf8')).client_id as string;

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
          useFactory: async () => ({
            tokenUrl: idp.tokenUrl,
            clientId: SHIPPING.clientId,
            clientSecret: SHIPPING.clientSecret,
            clientAuthMethod: 'client_secret_post',
          }),
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
    expect(clientIdOf(billingTokens[0])).toBe(BILLING.clientId);
    expect(clientIdOf(shippingTokens[0])).toBe(SHIPPING.clientId);
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
        TokenModule.forRoot({
          name: 'shipping',
          tokenUrl: idp.tokenUrl,
          clientId: SHIPPING.clientId,
          clientSecret: SHIPPING.clientSecret,
          clientAuthMethod: 'client_secret_post',
        }),
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

describe('startup errors of a named registration say which registration failed', () => {
  let idp: TestIdp;

  beforeAll(async () => {
    idp = await TestIdp.start({ clients: [BILLING, SHIPPING] });
  });
  afterAll(async () => {
    await idp.stop();
  });

  const startupError = (imports: unknown[], providers: unknown[] = []) =>
    Test.createTestingModule({ imports: imports as never[], providers: providers as never[] })
      .setLogger(false as never)
      .compile()
      .then(
        async (ref) => {
          await ref.close();
          throw new Error('expected startup to fail');
        },
        (error: unknown) => error as Error,
      );

  it('forRootAsync injecting ConfigService without imports: [ConfigModule]: a TokenConfigError naming "shipping", ConfigService and the fix', async () => {
    const error = await startupError([
      ConfigModule.forRoot({ ignoreEnvFile: true }),
      TokenModule.forRootAsync({
        name: 'shipping',
        inject: [ConfigService],
        useFactory: (config: ConfigService) => ({
          tokenUrl: idp.tokenUrl,
          clientId: config.get('SHIPPING_ID') ?? SHIPPING.clientId,
          clientSecret: SHIPPING.clientSecret,
        }),
      }),
    ]);
    expect(error).toBeInstanceOf(TokenConfigError);
    expect(error.message).toMatch(/^TokenModule "shipping": /);
    expect((error as TokenConfigError).problems).toEqual([
      { field: 'inject[0]', message: expect.stringContaining('ConfigService cannot be resolved here') },
    ]);
    expect(error.message).toContain('imports: [ConfigModule]');
    expect(String(error.stack)).toMatch(/^TokenConfigError: TokenModule "shipping": /);
  });

  it.each([
    ['invalid options', { tokenUrl: 'not a url', clientId: 'x', clientSecret: 'y' }, TokenConfigError, /tokenUrl: must be an absolute URL/],
    [
      'an issuer that cannot be reached',
      { issuer: 'http://127.0.0.1:1', clientId: 'x', clientSecret: 'y' },
      TokenEndpointError,
      /ECONNREFUSED|Discovery/,
    ],
  ])('%s: the error names the registration and keeps its type', async (_scenario, options, type, detail) => {
    const error = await startupError([
      TokenModule.forRoot({ tokenUrl: idp.tokenUrl, ...BILLING }),
      TokenModule.forRoot({ name: 'shipping', ...options }),
    ]);
    expect(error).toBeInstanceOf(type);
    expect(error.message).toMatch(/^TokenModule "shipping": /);
    expect(error.message).toMatch(detail);
  });

  it('a failing options factory of a named registration names it', async () => {
    const error = await startupError([
      TokenModule.forRootAsync({
        name: 'billing',
        useFactory: () => {
          throw new Error('BILLING_SECRET is not set');
        },
      }),
    ]);
    expect(error.message).toBe('TokenModule "billing": BILLING_SECRET is not set');
  });

  it('two registrations with the same name fail at startup', async () => {
    const error = await startupError([
      TokenModule.forRoot({ name: 'billing', tokenUrl: idp.tokenUrl, ...BILLING }),
      TokenModule.forRoot({ name: 'billing', tokenUrl: idp.tokenUrl, clientId: SHIPPING.clientId, clientSecret: SHIPPING.clientSecret }),
    ]);
    expect(error).toBeInstanceOf(TokenConfigError);
    expect(error.message).toMatch(/^TokenModule "billing": /);
    expect((error as TokenConfigError).problems).toEqual([
      { field: 'name', message: expect.stringMatching(/^is used by 2 registrations/) },
    ]);
  });

  it('one registration imported by two feature modules is one client, not a duplicate', async () => {
    const billing = TokenModule.forRoot({ name: 'billing', tokenUrl: idp.tokenUrl, ...BILLING });
    @Injectable()
    class BillingConsumer {
      constructor(@InjectTokenManager('billing') readonly tokens: TokenManagerService) {}
    }
    @Module({ imports: [billing], providers: [BillingConsumer], exports: [BillingConsumer] })
    class InvoicesModule {}
    @Module({ imports: [billing], providers: [PartnerCallsForBilling] })
    class PaymentsModule {}
    const ref = await Test.createTestingModule({ imports: [InvoicesModule, PaymentsModule] }).compile();
    ref.useLogger(false);
    try {
      expect(ref.get(BillingConsumer).tokens).toBe(ref.get(PartnerCallsForBilling).tokens);
    } finally {
      await ref.close();
    }
  });
});

@Injectable()
class PartnerCallsForBilling {
  constructor(@InjectTokenManager('billing') readonly tokens: TokenManagerService) {}
}
