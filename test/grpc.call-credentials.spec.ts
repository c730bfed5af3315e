import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { credentials, type ServiceError, status } from '@grpc/grpc-js';
import { inspect } from 'node:util';
import { createGrpcCallCredentials } from '../lib/grpc/index.js';
import { EchoClient, type EchoMethods, GrpcEchoServer } from './support/grpc-echo-server.js';
import { jwtVerifier, TEST_TLS_CERT } from './support/protected-resource.js';
import { TestIdp } from './support/test-idp.js';
import { startTokenApp, type TokenApp } from './support/token-app.js';

const CLIENT = { clientId: 'grpc-client', clientSecret: 'grpc-client-secret-4321' };

function say(client: EchoMethods, text: string): Promise<{ text: string }> {
  return new Promise((resolve, reject) => client.say({ text }, (error, reply) => (error ? reject(error) : resolve(reply!))));
}

describe('gRPC call credentials on a TLS channel, against a server checking JWTs with the JWKS of oidc-provider', () => {
  let idp: TestIdp;
  let api: GrpcEchoServer;
  let app: TokenApp | undefined;
  let client: EchoMethods | undefined;

  /** A TLS client of the API whose calls carry the token of a manager started with `clientSecret`. */
  const start = async (clientSecret = CLIENT.clientSecret) => {
    app = await startTokenApp({ tokenUrl: idp.tokenUrl, ...CLIENT, clientSecret });
    const channel = credentials.combineChannelCredentials(
      credentials.createSsl(Buffer.from(TEST_TLS_CERT)),
      createGrpcCallCredentials(app.manager),
    );
    // The certificate names 127.0.0.1 and localhost; TLS forbids an IP address as server name (RFC 6066 §3).
    client = new EchoClient(api.target, channel, { 'grpc.ssl_target_name_override': 'localhost' }) as unknown as EchoMethods;
    return client;
  };

  beforeAll(async () => {
    idp = await TestIdp.start({ clients: [CLIENT] });
    api = await GrpcEchoServer.start(jwtVerifier(idp), { tls: true });
  });
  afterAll(async () => {
    await api.stop();
    await idp.stop();
  });
  beforeEach(() => {
    api.calls.length = 0;
    idp.tokenRequests = 0;
  });
  afterEach(async () => {
    client?.close();
    await app?.close();
    app = undefined;
  });

  it('500 concurrent unary calls at cold start make one token request, and every call arrives with that token', async () => {
    const client = await start();

    const replies = await Promise.all(Array.from({ length: 500 }, (_, index) => say(client, `call ${index}`)));

    expect(replies).toHaveLength(500);
    expect(idp.tokenRequests).toBe(1);
    const token = await app!.manager.getAccessToken();
    expect(new Set(api.calls.map((call) => call.authorization))).toEqual(new Set([`Bearer ${token}`]));
    expect(api.calls).toHaveLength(500);
  });

  it('a token the IdP refuses to issue: the call fails with UNAVAILABLE naming the token error, and no secret leaks', async () => {
    const wrongSecret = 'wrong-grpc-secret-value-0000';
    const client = await start(wrongSecret);

    const error = (await say(client, 'hello').then(
      () => undefined,
      (failure: unknown) => failure,
    )) as ServiceError;

    expect(error.code).toBe(status.UNAVAILABLE);
    expect(error.details).toMatch(/Access token unavailable: .*invalid_client/);
    expect(api.calls).toEqual([]);
    for (const view of [inspect(error, { depth: 10 }), JSON.stringify(error), error.message, String(error.stack)]) {
      expect(view).not.toContain(wrongSecret);
    }
  });
});
