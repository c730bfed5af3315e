import type { DynamicModule, LoggerService } from '@nestjs/common';
import { ConfigModule } from '@nestjs/config';
import { Test, type TestingModule } from '@nestjs/testing';
import { tokenConfig, tokenOptionsFromEnvironment } from '../../lib/config/index.js';
import { TokenConfigError, TokenModule } from '../../lib/index.js';

/** The one-line setup docs/configuration.md gives: `@nestjs/config` reads the `oauth2` namespace, TokenModule uses it. */
export function tokenConfigImports(): Array<DynamicModule | Promise<DynamicModule>> {
  return [ConfigModule.forRoot({ ignoreEnvFile: true, load: [tokenConfig] }), TokenModule.forRootAsync(tokenConfig.asProvider())];
}

/** An initialised app of `tokenConfigImports()` on the current process.env (close it when done). */
export async function startTokenConfigApp(logger: LoggerService | false = false): Promise<TestingModule> {
  const moduleRef = await Test.createTestingModule({ imports: tokenConfigImports() })
    .setLogger(logger as LoggerService)
    .compile();
  try {
    await moduleRef.init();
  } catch (error) {
    await moduleRef.close();
    throw error;
  }
  return moduleRef;
}

/** Sets exactly these OAUTH2_* variables in process.env (every other OAUTH2_* one removed), leaving the rest alone. */
export function useOauth2Environment(values: Record<string, string>): void {
  clearOauth2Environment();
  Object.assign(process.env, values);
}

/** Removes every OAUTH2_* variable from process.env. */
export function clearOauth2Environment(): void {
  for (const name of Object.keys(process.env)) if (name.startsWith('OAUTH2_')) delete process.env[name];
}

/** The `TokenConfigError` these variables produce; fails the test when they produce none. */
export function configErrorOf(env: Record<string, string>): TokenConfigError {
  try {
    tokenOptionsFromEnvironment(env);
  } catch (error) {
    if (error instanceof TokenConfigError) return error;
    throw error;
  }
  throw new Error('expected a TokenConfigError');
}
