import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import {
  type CallOptions,
  type Client,
  type ClientUnaryCall,
  type ServiceError,
  type ClientReadableStream,
  type Metadata,
  loadPackageDefinition,
  Server,
  ServerCredentials,
  ServerInterceptingCall,
  type ServerInterceptor,
  type ServiceClientConstructor,
  status,
} from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';
import type { TokenVerifier } from './protected-resource.js';

/** The fixture proto of the gRPC tests (package `test.echo`, service `Echo`). */
export const ECHO_PROTO_PATH = resolve('test/support/fixtures/echo.proto');
export const ECHO_PACKAGE = 'test.echo';

/** The `test.echo.Echo` client constructor, loaded with proto-loader as a Nest gRPC client loads it. */
export const EchoClient = (loadPackageDefinition(loadSync(ECHO_PROTO_PATH)) as any).test.echo.Echo as ServiceClientConstructor;

/** The methods of an `EchoClient` the tests call. */
export interface EchoMethods extends Client {
  say(request: { text: string }, callback: EchoCallback): ClientUnaryCall;
  say(request: { text: string }, metadata: Metadata, callback: EchoCallback): ClientUnaryCall;
  say(request: { text: string }, metadata: Metadata, options: CallOptions, callback: EchoCallback): ClientUnaryCall;
  watch(request: { text: string }): ClientReadableStream<{ text: string }>;
}
type EchoCallback = (error: ServiceError | null, reply?: { text: string }) => void;

/** A call as the server's interceptor saw it. */
export interface EchoCall {
  readonly method: string;
  readonly authorization?: string;
}

/**
 * A grpc-js server on 127.0.0.1 for the `Echo` service whose server interceptor checks the Bearer token
 * of every call with `verify` (a JWT check against the IdP's JWKS, or introspection) and answers
 * UNAUTHENTICATED to a missing or rejected token, before any handler runs. It records every call.
 * With `tls`, it serves the test certificate of 127.0.0.1 (trust `TEST_TLS_CERT`).
 */
export class GrpcEchoServer {
  private constructor(
    private readonly server: Server,
    readonly port: number,
    /** Every call that reached the server, refused ones included. */
    readonly calls: EchoCall[],
  ) {}

  /** `127.0.0.1:<port>`, the target a client is given. */
  get target(): string {
    return `127.0.0.1:${this.port}`;
  }

  callsTo(method: string): EchoCall[] {
    return this.calls.filter((call) => call.method === method);
  }

  static async start(verify: TokenVerifier, options: { tls?: boolean } = {}): Promise<GrpcEchoServer> {
    const calls: EchoCall[] = [];
    const authenticate: ServerInterceptor = (method, call) =>
      new ServerInterceptingCall(call, {
        start: (next) =>
          next({
            onReceiveMetadata: (metadata, forward) => {
              const authorization = metadata.get('authorization')[0]?.toString();
              calls.push({ method: method.path, ...(authorization !== undefined ? { authorization } : {}) });
              const token = /^Bearer (\S+)$/.exec(authorization ?? '')?.[1];
              const verdict = token === undefined ? Promise.resolve('missing') : verify(token).catch(() => 'unverifiable');
              void verdict.then((verdict) => {
                if (verdict === 'ok') forward(metadata);
                else call.sendStatus({ code: status.UNAUTHENTICATED, details: `Bearer error="${verdict}"` });
              });
            },
          }),
      });
    const server = new Server({ interceptors: [authenticate] });
    server.addService(EchoClient.service, {
      Say: (call: any, callback: any) => callback(null, { text: call.request.text }),
      Watch: (call: any) => {
        call.write({ text: `${call.request.text} 1` });
        call.write({ text: `${call.request.text} 2` });
        call.end();
      },
    });
    const credentials = options.tls
      ? ServerCredentials.createSsl(
          null,
          [
            {
              cert_chain: readFileSync(resolve('test/support/fixtures/test-tls.cert.pem')),
              private_key: readFileSync(resolve('test/support/fixtures/test-tls.key.pem')),
            },
          ],
          false,
        )
      : ServerCredentials.createInsecure();
    const port = await new Promise<number>((done, fail) =>
      server.bindAsync('127.0.0.1:0', credentials, (error, bound) => (error ? fail(error) : done(bound))),
    );
    return new GrpcEchoServer(server, port, calls);
  }

  async stop(): Promise<void> {
    this.server.forceShutdown();
  }
}
