import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { status } from '@grpc/grpc-js';
import { Inject, Injectable, Module, type OnModuleInit } from '@nestjs/common';
import { type ClientGrpc, ClientsModule, Transport } from '@nestjs/microservices';
import { Test, type TestingModule } from '@nestjs/testing';
import { lastValueFrom, type Observable } from 'rxjs';
import { TokenManagerService, TokenModule } from '../lib/index.js';
import { withGrpcTokenInterceptor } from '../lib/grpc/index.js';
import { ECHO_PACKAGE, ECHO_PROTO_PATH, GrpcEchoServer } from './support/grpc-echo-server.js';
import { jwtVerifier, refuseEverything } from './support/protected-resource.js';
import { TestIdp } from './support/test-idp.js';

const CLIENT = { clientId: 'grpc-client', clientSecret: 'grpc-client-secret-4321' };
const ECHO_CLIENT = 'ECHO_CLIENT';

interface EchoService {
  say(request: { text: string }): Observable<{ text: string }>;
}

/** A Nest service calling the Echo service through `ClientGrpc`, as an app would. */
@Injectable()
class EchoCaller implements OnModuleInit {
  #echo!: EchoService;
  constructor(@Inject(ECHO_CLIENT) private readonly client: ClientGrpc) {}
  onModuleInit(): void {
    this.#echo = this.client.getService<EchoService>('Echo');
  }
  say(text: string): Promise<{ text: string }> {
    return lastValueFrom(this.#echo.say({ text }));
  }
}

/** The documented setup: the global token module, and a gRPC client whose channel options carry the interceptor. */
function echoModule(tokenUrl: string, url: string) {
  @Module({
    imports: [
      TokenModule.forRoot({ tokenUrl, ...CLIENT, isGlobal: true }),
      ClientsModule.registerAsync([
        {
          name: ECHO_CLIENT,
          inject: [TokenManagerService],
          useFactory: (tokens: TokenManagerService) => ({
            transport: Transport.GRPC,
            options: { url, package: ECHO_PACKAGE, protoPath: ECHO_PROTO_PATH, channelOptions: withGrpcTokenInterceptor(tokens) },
          }),
        },
      ]),
    ],
    providers: [EchoCaller],
  })
  class EchoModule {}
  return EchoModule;
}

describe('a Nest ClientGrpc (ClientsModule, Transport.GRPC) with the token interceptor in its channel options', () => {
  let idp: TestIdp;
  let api: GrpcEchoServer;
  let refusing: GrpcEchoServer;
  let moduleRef: TestingModule | undefined;

  const start = async (server: GrpcEchoServer) => {
    moduleRef = await Test.createTestingModule({ imports: [echoModule(idp.tokenUrl, server.target)] }).compile();
    moduleRef.useLogger(false);
    await moduleRef.init();
    return moduleRef.get(EchoCaller);
  };

  beforeAll(async () => {
    idp = await TestIdp.start({ clients: [CLIENT] });
    api = await GrpcEchoServer.start(jwtVerifier(idp));
    refusing = await GrpcEchoServer.start(refuseEverything);
  });
  afterAll(async () => {
    await Promise.all([api.stop(), refusing.stop()]);
    await idp.stop();
  });
  beforeEach(() => {
    api.calls.length = 0;
    refusing.calls.length = 0;
    idp.tokenRequests = 0;
  });
  afterEach(async () => {
    await moduleRef?.close();
    moduleRef = undefined;
  });

  it('100 concurrent calls through ClientGrpc make one token request and all arrive with the token', async () => {
    const caller = await start(api);

    const replies = await Promise.all(Array.from({ length: 100 }, (_, index) => caller.say(`call ${index}`)));

    expect(replies.map((reply) => reply.text)).toEqual(Array.from({ length: 100 }, (_, index) => `call ${index}`));
    expect(idp.tokenRequests).toBe(1);
    const token = await moduleRef!.get(TokenManagerService).getAccessToken();
    expect(new Set(api.calls.map((call) => call.authorization))).toEqual(new Set([`Bearer ${token}`]));
  });

  it('an UNAUTHENTICATED answer is renewed and resent once, then the Observable errors with it', async () => {
    const caller = await start(refusing);

    await expect(caller.say('hello')).rejects.toMatchObject({ code: status.UNAUTHENTICATED });
    expect(refusing.calls).toHaveLength(2);
    expect(idp.tokenRequests).toBe(2);
  });
});
