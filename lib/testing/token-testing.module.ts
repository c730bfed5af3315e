import { HttpService } from '@nestjs/axios';
import { type DynamicModule, Module } from '@nestjs/common';
import axios from 'axios';
import { AuthorizedHttpService } from '../http/authorized-http.service.js';
import { attachTokenInterceptor } from '../http/token.interceptor.js';
import { TokenManagerService } from '../manager/token-manager.service.js';
import { TokenManagerMock } from './token-manager.mock.js';
import type { TokenTestingScript } from './token-testing-script.interface.js';

/** Options of `TokenTestingModule.forRoot()`. */
export interface TokenTestingModuleOptions extends TokenTestingScript {
  /** Register globally, like `TokenModule.forRoot({ isGlobal: true })`. Default false. */
  readonly isGlobal?: boolean;
}

/**
 * Replaces `TokenModule` in a test: provides a `TokenManagerMock` as `TokenManagerService` (and as
 * `TokenManagerMock`, to script and count), and an `HttpService` running the production interceptor
 * (`attachTokenInterceptor`, every origin allowed) on the mock: requests carry the scripted Bearer
 * token, and a 401 invalidates it and resends once with the next scripted token.
 *
 * ```ts
 * Test.createTestingModule({ imports: [TokenTestingModule.forRoot({ tokens: ['old', 'new'] })], providers: [InvoicesClient] })
 * ```
 */
@Module({})
export class TokenTestingModule {
  static forRoot(options: TokenTestingModuleOptions = {}): DynamicModule {
    const { isGlobal = false, ...script } = options;
    return {
      module: TokenTestingModule,
      global: isGlobal,
      providers: [
        { provide: TokenManagerMock, useValue: new TokenManagerMock(script) },
        { provide: TokenManagerService, useExisting: TokenManagerMock },
        {
          provide: HttpService,
          inject: [TokenManagerMock],
          useFactory: (tokens: TokenManagerMock) => {
            const instance = axios.create();
            // The production interceptor, so tests run the real Bearer and 401 logic. A test double
            // allows every origin: test servers listen on random ports.
            attachTokenInterceptor(instance, tokens, { allowedOrigins: ['*'] });
            return new AuthorizedHttpService(instance);
          },
        },
      ],
      exports: [TokenManagerMock, TokenManagerService, HttpService],
    };
  }
}
