import { HttpService } from '@nestjs/axios';
import { Test, type TestingModule } from '@nestjs/testing';
import type { AxiosRequestConfig, AxiosResponse } from 'axios';
import { firstValueFrom } from 'rxjs';
import { type TokenEvent, TokenManagerService, TokenModule, type TokenModuleOptions } from '../../lib/index.js';

/** A Nest testing module with `TokenModule.forRoot(options)`, its manager, its authorized `HttpService` and the events it emitted. */
export interface HttpApp {
  moduleRef: TestingModule;
  manager: TokenManagerService;
  http: HttpService;
  events: TokenEvent[];
  /** `http.request(config)` as a promise. */
  send<T = { ok: boolean; path: string; body: string }>(config: AxiosRequestConfig): Promise<AxiosResponse<T>>;
  close(): Promise<void>;
}

export async function startHttpApp(options: TokenModuleOptions): Promise<HttpApp> {
  const moduleRef = await Test.createTestingModule({ imports: [TokenModule.forRoot(options)] }).compile();
  moduleRef.useLogger(false);
  await moduleRef.init();
  const manager = moduleRef.get(TokenManagerService);
  const http = moduleRef.get(HttpService);
  const events: TokenEvent[] = [];
  manager.events$.subscribe((event) => events.push(event));
  return {
    moduleRef,
    manager,
    http,
    events,
    send: (config) => firstValueFrom(http.request(config)),
    close: () => moduleRef.close(),
  };
}
