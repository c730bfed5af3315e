import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { createServer } from 'node:net';
import { AppModule } from './app.module.js';
import type { EmbeddedEnvironment } from './embedded-environment.js';

/** The port the sample cannot listen on; reported in one line, with how to choose another. */
class PortBusyError extends Error {
  constructor(host: string, port: number) {
    super(
      `Port ${port} on ${host} is busy: choose another with PORT, e.g. PORT=${port < 65535 ? port + 1 : 3000} npm run sample (PORT=0 picks a free one)`,
    );
  }
}

/**
 * The sample app. With no OAUTH2_* variables it starts an embedded oidc-provider and a protected demo
 * API on 127.0.0.1 and points itself at them; with the variables set it talks to your IdP and API.
 */
async function bootstrap(): Promise<void> {
  const logger = new Logger('Sample');
  const host = process.env.HOST ?? '127.0.0.1';
  const port = Number(process.env.PORT ?? 3000);
  // Checked before anything starts: a busy port is one line and exit 1, not Nest's error twice and
  // embedded servers keeping the process alive.
  await assertPortFree(host, port);
  let embedded: EmbeddedEnvironment | undefined;
  try {
    if (!process.env.OAUTH2_TOKEN_URL) {
      // Loaded only when needed: oidc-provider prints notices when it is imported.
      const { startEmbeddedEnvironment } = await import('./embedded-environment.js');
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
    const app = await NestFactory.create(AppModule, { logger: ['log', 'warn', 'error', 'debug'], abortOnError: false });
    app.enableShutdownHooks();
    try {
      await app.listen(port, host);
    } catch (error) {
      await app.close();
      throw (error as NodeJS.ErrnoException).code === 'EADDRINUSE' ? new PortBusyError(host, port) : error;
    }
    const url = `http://${host}:${(app.getHttpServer().address() as { port: number }).port}`;
    logger.log(`Sample listening on ${url}`);
    logger.log(`Try: curl ${url}/demo   and   curl ${url}/health`);
    if (embedded) {
      const stopEmbedded = embedded.stop;
      process.once('beforeExit', () => void stopEmbedded());
      app.getHttpServer().once('close', () => void stopEmbedded());
    }
  } catch (error) {
    await embedded?.stop();
    throw error;
  }
}

/** Resolves when `port` can be listened on (a probe, closed again); rejects with `PortBusyError` when it is taken. */
function assertPortFree(host: string, port: number): Promise<void> {
  if (port === 0) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', (error: NodeJS.ErrnoException) => reject(error.code === 'EADDRINUSE' ? new PortBusyError(host, port) : error));
    probe.listen(port, host, () => probe.close(() => resolve()));
  });
}

bootstrap().catch((error: unknown) => {
  new Logger('Sample').error(
    error instanceof PortBusyError ? error.message : error instanceof Error ? `${error.name}: ${error.message}` : String(error),
  );
  process.exitCode = 1;
});
