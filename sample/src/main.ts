import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { AppModule } from './app.module.js';
import { type EmbeddedEnvironment, startEmbeddedEnvironment } from './embedded-environment.js';

/**
 * The sample app. With no OAUTH2_* variables it starts an embedded oidc-provider and a protected demo
 * API on 127.0.0.1 and points itself at them; with the variables set it talks to your IdP and API.
 */
async function bootstrap(): Promise<void> {
  const logger = new Logger('Sample');
  let embedded: EmbeddedEnvironment | undefined;
  if (!process.env.OAUTH2_TOKEN_URL) {
    embedded = await startEmbeddedEnvironment({ tokenTtlSeconds: Number(process.env.SAMPLE_TOKEN_TTL_SECONDS ?? 120) });
    Object.assign(process.env, {
      OAUTH2_TOKEN_URL: embedded.tokenUrl,
      OAUTH2_CLIENT_ID: embedded.clientId,
      OAUTH2_CLIENT_SECRET: embedded.clientSecret,
      OAUTH2_API_BASE_URL: embedded.apiBaseUrl,
      OAUTH2_REFRESH_MARGIN_SECONDS: process.env.OAUTH2_REFRESH_MARGIN_SECONDS ?? '30',
    });
    logger.log(`No OAUTH2_TOKEN_URL set: embedded IdP at ${embedded.issuer}, protected demo API at ${embedded.apiBaseUrl}`);
  }
  const app = await NestFactory.create(AppModule, { logger: ['log', 'warn', 'error', 'debug'] });
  app.enableShutdownHooks();
  const host = process.env.HOST ?? '127.0.0.1';
  await app.listen(Number(process.env.PORT ?? 3000), host);
  const url = `http://${host}:${(app.getHttpServer().address() as { port: number }).port}`;
  logger.log(`Sample listening on ${url}`);
  logger.log(`Try: curl ${url}/demo   and   curl ${url}/health`);
  if (embedded) {
    const stopEmbedded = embedded.stop;
    process.once('beforeExit', () => void stopEmbedded());
    app.getHttpServer().once('close', () => void stopEmbedded());
  }
}

bootstrap().catch((error: unknown) => {
  new Logger('Sample').error(error instanceof Error ? `${error.name}: ${error.message}` : String(error));
  process.exitCode = 1;
});
