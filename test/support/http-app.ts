import { HttpService } from '@nestjs/axios';
import type { AxiosRequestConfig, AxiosResponse } from 'axios';
import { firstValueFrom } from 'rxjs';
import type { TokenEvent, TokenModuleOptions } from '../../lib/index.js';
import { ProtectedResource, refuseEverything, revocableJwtVerifier } from './protected-resource.js';
import { TestIdp } from './test-idp.js';
import { startTokenApp, type TokenApp } from './token-app.js';

/** A Nest testing module with `TokenModule.forRoot(options)`, its manager, its authorized `HttpService` and the events it emitted. */
export interface HttpApp extends TokenApp {
  http: HttpService;
  events: TokenEvent[];
  /** `http.request(config)` as a promise. */
  send<T = { ok: boolean; path: string; body: string }>(config: AxiosRequestConfig): Promise<AxiosResponse<T>>;
}

export async function startHttpApp(options: TokenModuleOptions): Promise<HttpApp> {
  const app = await startTokenApp(options);
  const http = app.moduleRef.get(HttpService);
  const events: TokenEvent[] = [];
  app.manager.events$.subscribe((event) => events.push(event));
  return { ...app, http, events, send: (config) => firstValueFrom(http.request(config)) };
}

/** An IdP, the API it issues tokens for, a server outside the allowlist, and an app whose `http.baseURL` is the API. */
export interface RevocableApiScene {
  idp: TestIdp;
  /** Verifies the IdP's JWTs, and refuses those in `refused` from then on, as after a revocation. */
  api: ProtectedResource;
  refused: Set<string>;
  /** Outside the allowlist; refuses every request with a 401. */
  foreign: ProtectedResource;
  app: HttpApp;
  /** Makes the API refuse the current token from now on, as after a revocation at the IdP; returns it and zeroes the IdP's count. */
  revokeCurrentToken(): Promise<string>;
  /** Forgets what the servers recorded (requests, redirects, the IdP's token requests) between tests. */
  forgetRecords(): void;
  stop(): Promise<void>;
}

export async function startRevocableApiScene(client: { clientId: string; clientSecret: string }): Promise<RevocableApiScene> {
  const idp = await TestIdp.start();
  const refused = new Set<string>();
  const api = await ProtectedResource.start(revocableJwtVerifier(idp, refused));
  const foreign = await ProtectedResource.start(refuseEverything);
  const app = await startHttpApp({ tokenUrl: idp.tokenUrl, ...client, http: { baseURL: api.url } });
  const stop = async () => {
    await app.close();
    await Promise.all([api.stop(), foreign.stop()]);
    await idp.stop();
  };
  const revokeCurrentToken = async () => {
    const token = await app.manager.getAccessToken();
    refused.add(token);
    idp.tokenRequests = 0;
    return token;
  };
  const forgetRecords = () => {
    api.requests.length = 0;
    api.redirects.clear();
    foreign.requests.length = 0;
    idp.tokenRequests = 0;
  };
  return { idp, api, refused, foreign, app, revokeCurrentToken, forgetRecords, stop };
}
