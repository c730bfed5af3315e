import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { closeHttpServer, listenOnLoopback } from './loopback.js';

/** A request as the programmable server saw it. */
export interface RecordedRequest {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: string;
}

export type Handler = (request: RecordedRequest, response: ServerResponse) => void | Promise<void>;

/**
 * A tiny HTTP server whose answers the test scripts: for bodies and failures a real IdP would never
 * produce (HTML, truncated JSON, resets, hangs). Never used for the happy path.
 */
export class ProgrammableServer {
  readonly requests: RecordedRequest[] = [];

  private constructor(
    private readonly server: Server,
    readonly url: string,
    public handler: Handler,
  ) {}

  static async start(handler: Handler): Promise<ProgrammableServer> {
    const server = createServer();
    const instance = new ProgrammableServer(server, `http://127.0.0.1:${await listenOnLoopback(server)}`, handler);
    server.on('request', (req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        const recorded = {
          method: req.method ?? '',
          url: req.url ?? '',
          headers: req.headers,
          body: Buffer.concat(chunks).toString('utf8'),
        };
        instance.requests.push(recorded);
        void Promise.resolve(instance.handler(recorded, res)).catch(() => res.destroy());
      });
    });
    return instance;
  }

  stop(): Promise<void> {
    return closeHttpServer(this.server);
  }
}

/** Answers with JSON. */
export function json(response: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  response.writeHead(status, { 'content-type': 'application/json', ...headers });
  response.end(typeof body === 'string' ? body : JSON.stringify(body));
}

export type ClientCredentials = { clientId: string; clientSecret: string };

/** A client's `Authorization: Basic` header value (id and secret as given, not form-encoded). */
export const basicAuthorization = (client: ClientCredentials): string =>
  `Basic ${Buffer.from(`${client.clientId}:${client.clientSecret}`).toString('base64')}`;
