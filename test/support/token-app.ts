import { Test, type TestingModule } from '@nestjs/testing';
import { TokenManagerService, TokenModule, type TokenModuleOptions } from '../../lib/index.js';
import { CapturingLogger } from './capturing-logger.js';

/** A Nest testing module with `TokenModule.forRoot(options)` and its manager. */
export interface TokenApp {
  moduleRef: TestingModule;
  manager: TokenManagerService;
  close(): Promise<void>;
}

export async function startTokenApp(options: TokenModuleOptions): Promise<TokenApp> {
  const moduleRef = await Test.createTestingModule({ imports: [TokenModule.forRoot(options)] }).compile();
  moduleRef.useLogger(false);
  await moduleRef.init();
  return { moduleRef, manager: moduleRef.get(TokenManagerService), close: () => moduleRef.close() };
}

/** `startTokenApp` whose every log line, from startup on, is kept in `logger.lines` (`"<level> <text>"`). */
export async function startLoggedTokenApp(options: TokenModuleOptions): Promise<TokenApp & { logger: CapturingLogger }> {
  const logger = new CapturingLogger();
  const moduleRef = await Test.createTestingModule({ imports: [TokenModule.forRoot(options)] })
    .setLogger(logger)
    .compile();
  moduleRef.useLogger(logger);
  await moduleRef.init();
  return { moduleRef, logger, manager: moduleRef.get(TokenManagerService), close: () => moduleRef.close() };
}

/** Resolves on the next event of the given type. */
export function nextEvent(manager: TokenManagerService, type: string): Promise<unknown> {
  return new Promise((resolve) => {
    const subscription = manager.events$.subscribe((event) => {
      if (event.type === type) {
        subscription.unsubscribe();
        resolve(event);
      }
    });
  });
}
