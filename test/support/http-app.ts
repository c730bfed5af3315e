import { HttpService } from '@nestjs/axios';
import type { AxiosRequestConfig, AxiosResponse } from 'axios';
import { firstValueFrom } from 'rxjs';
import type { TokenEvent, TokenModuleOptions } from '../../lib/index.js';
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
