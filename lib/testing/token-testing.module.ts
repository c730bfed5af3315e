import { HttpService } from '@nestjs/axios';
import { type DynamicModule, Module } from '@nestjs/common';
import axios from 'axios';
import { TokenConfigError, type TokenConfigProblem } from '../errors/token-config.error.js';
import { AuthorizedHttpService } from '../http/authorized-http.service.js';
import type { TokenHttpOptions } from '../options/token-http-options.interface.js';
import { attachTokenInterceptor } from '../http/token.interceptor.js';
import { TokenManagerService } from '../manager/token-manager.service.js';
import type { ResolvedHttpOptions } from '../options/resolved-http-options.js';
import { validateHttpOptions } from '../http/validate-http-options.js';
import { TokenManagerMock } from './token-manager.mock.js';
import type { TokenTestingScript } from './token-testing-script.interface.js';

/** Options of `TokenTestingModule.forRoot()`. */
export interface TokenTestingModuleOptions extends TokenTestingScript {
  /** Register globally, like `TokenModule.forRoot({ isGlobal: true })`. Default false. */
  readonly isGlobal?: boolean | undefined;
  /**
   * The `HttpService`'s configuration: the `http` option of `TokenModule.forRoot`, validated the same
   * way (`baseURL`, `timeout`, `headers`, agents, ..., `allowedOrigins`). With it, relative URLs resolve
   * against `baseURL`, and the token goes only to the origin of `baseURL` and to `allowedOrigins`, as in
   * production. Without it, requests need absolute URLs and every origin receives the token.
   */
  readonly http?: TokenHttpOptions | undefined;
}

/**
 * Replaces `TokenModule` in a test: provides a `TokenManagerMock` as `TokenManagerService` (and as
 * `TokenManagerMock`, to script and count), and an `HttpService` running the production interceptor
 * (`attachTokenInterceptor`) on the mock, configured by the same `http` option as `TokenModule`:
 * requests carry the scripted Bearer token, and a 401 invalidates it and resends once with the next
 * scripted token.
 *
 * ```ts
 * Test.createTestingModule({ imports: [TokenTestingModule.forRoot({ tokens: ['old', 'new'], http: { baseURL } })], providers: [InvoicesClient] })
 * ```
 *
 * @throws TokenConfigError when `http` is invalid, with the problems `TokenModule.forRoot` would report.
 */
@Module({})
export class TokenTestingModule {
  static forRoot(options: TokenTestingModuleOptions = {}): DynamicModule {
    const { isGlobal = false, http, ...script } = options;
    const httpOptions = validateTestingHttpOptions(http);
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
            const instance = axios.create(httpOptions?.axiosConfig());
            // The production interceptor, so tests run the real Bearer and 401 logic. Without an `http`
            // option every origin is allowed: test servers listen on random ports.
            attachTokenInterceptor(instance, tokens, { allowedOrigins: httpOptions?.allowedOrigins ?? ['*'] });
            return new AuthorizedHttpService(instance);
          },
        },
      ],
      exports: [TokenManagerMock, TokenManagerService, HttpService],
    };
  }
}

/** The `http` option checked exactly as `TokenModule` checks it, so a test cannot pass with options production refuses. */
function validateTestingHttpOptions(http: TokenHttpOptions | undefined): ResolvedHttpOptions | undefined {
  const problems: TokenConfigProblem[] = [];
  const resolved = validateHttpOptions(http, (field, message) => problems.push({ field, message }));
  if (problems.length > 0) throw new TokenConfigError(problems, 'TokenTestingModule options');
  return resolved;
}
