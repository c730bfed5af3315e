import type { HttpService } from '@nestjs/axios';
import { Inject, Injectable, type OnModuleDestroy } from '@nestjs/common';
import axios, { type AxiosInstance } from 'axios';
import { OriginAllowlist } from '../authorizer/origin-allowlist.js';
import { DpopService } from '../dpop/dpop.service.js';
import { clientCertificateAgentFor } from '../endpoint/client-certificate-agent.js';
import { TokenConfigError } from '../errors/token-config.error.js';
import { TokenManagerService } from '../manager/token-manager.service.js';
import { ResolvedTokenOptions } from '../options/resolved-token-options.js';
import { RESOLVED_TOKEN_OPTIONS } from '../core/injection-tokens.js';
import { AuthorizedHttpService } from '../http/authorized-http.service.js';
import { presentClientCertificate } from '../http/client-certificate-adapter.js';
import { attachTokenInterceptor } from '../http/token.interceptor.js';
import { tokensByOrigin } from './tokens-by-origin.js';

/**
 * Builds the `HttpService` that `TokenModule` exports: a private axios instance (never the
 * process-global `axios`) created from the `http` option, carrying the token interceptor (with the
 * module's `DpopService`, so requests go as DPoP when the `dpop` option is on), which is detached when
 * the module is destroyed. With `http.presentClientCertificate`, its adapter presents the
 * `tlsClientAuth` certificate (read from the same providers as the token endpoint's) to allowed origins.
 *
 * Without the `http` option there is no allowlist to send a token to, so every request through this
 * `HttpService` rejects with `TokenConfigError` (field `http`) before any I/O, rather than silently
 * going out without a token. `TokenManagerService` is unaffected.
 * @internal
 */
@Injectable()
export class AuthorizedHttpClient implements OnModuleDestroy {
  readonly httpService: HttpService;
  readonly #detach: () => void;
  #closeCertificate: (() => void) | undefined;

  constructor(
    @Inject(RESOLVED_TOKEN_OPTIONS) options: ResolvedTokenOptions,
    @Inject(TokenManagerService) manager: TokenManagerService,
    @Inject(DpopService) dpop: DpopService,
  ) {
    const http = options.http;
    let instance: AxiosInstance;
    if (http === undefined) {
      instance = axios.create();
      const id = instance.interceptors.request.use(() => {
        throw new TokenConfigError([
          {
            field: 'http',
            message: "is required to send requests through TokenModule's HttpService: set http.baseURL or http.allowedOrigins",
          },
        ]);
      });
      this.#detach = () => instance.interceptors.request.eject(id);
    } else {
      instance = axios.create(http.axiosConfig());
      if (http.presentClientCertificate) {
        const certificate = clientCertificateAgentFor(options);
        const allowlist = new OriginAllowlist(http.allowedOrigins);
        instance.defaults.adapter = presentClientCertificate(instance.defaults.adapter, allowlist, certificate);
        this.#closeCertificate = () => certificate.destroy();
      }
      this.#detach = attachTokenInterceptor(instance, manager, {
        allowedOrigins: http.allowedOrigins,
        retryOn401: options.retryOn401,
        dpop,
        tokensByOrigin: tokensByOrigin(http, manager),
      });
    }
    this.httpService = new AuthorizedHttpService(instance);
  }

  onModuleDestroy(): void {
    this.#detach();
    this.#closeCertificate?.();
  }
}
