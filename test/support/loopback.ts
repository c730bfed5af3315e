import type { Server as HttpServer } from 'node:http';
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';

/** Listens on a free port of 127.0.0.1; resolves with the port. */
export async function listenOnLoopback(server: Server): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
}

/** Ends every connection of an HTTP(S) server, kept-alive and hanging ones included, then closes it. */
export async function closeHttpServer(server: HttpServer): Promise<void> {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
}

/** A free TCP port on 127.0.0.1, closed again: nothing listens there (`redis-server --port 0` does not pick one). */
export async function freePort(): Promise<number> {
  const server = createServer();
  const port = await listenOnLoopback(server);
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/**
 * A TCP server on 127.0.0.1 that accepts connections and never answers: a Redis (or any server) that
 * hangs, for as long as the test needs, without depending on how long anything takes.
 */
export class SilentServer {
  readonly #sockets = new Set<Socket>();

  private constructor(
    private readonly server: Server,
    readonly port: number,
  ) {}

  static async start(): Promise<SilentServer> {
    const server = createServer();
    const silent = new SilentServer(server, await listenOnLoopback(server));
    server.on('connection', (socket) => {
      silent.#sockets.add(socket);
      socket.on('close', () => silent.#sockets.delete(socket));
    });
    return silent;
  }

  /** `redis://127.0.0.1:<port>` */
  get redisUrl(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  async stop(): Promise<void> {
    for (const socket of this.#sockets) socket.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
