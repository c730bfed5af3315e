import { HttpService } from '@nestjs/axios';
import { type DynamicModule, Module } from '@nestjs/common';
import axios from 'axios';
import { TokenManagerService } from '../manager/token-manager.service.js';
import { authorizeWithMock } from './testing-bearer.interceptor.js';
import { TokenManagerMock } from './token-manager.mock.js';
import type { TokenTestingScript } from './token-testing-script.interface.js';

/** Options of `TokenTestingModule.forRoot()`. */
export interface TokenTestingModuleOptions extends TokenTestingScript {
  /** Register globally, like `TokenModule.forRoot({ isGlobal: true })`. Default false. */
  readonly isGlobal?: boolean;
}

/**
 * Replaces `TokenModule` in a test: provides a `TokenManagerMock` as `TokenManagerService` (and as
 * `TokenManagerMock`, to script and count), and an `HttpService` whose requests carry the scripted
 * Bearer token and are retried once after a 401 with the next scripted token.
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
            authorizeWithMock(instance, tokens);
            return new HttpService(instance);
          },
        },
      ],
      exports: [TokenManagerMock, TokenManagerService, HttpService],
    };
  }
}
