import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { credentials, Metadata, type ServiceError, status } from '@grpc/grpc-js';
import { inspect } from 'node:util';
import { createGrpcTokenInterceptor } from '../lib/grpc/index.js';
import { EchoClient, type EchoMethods, GrpcEchoServer } from './support/grpc-echo-server.js';
import { introspectionVerifier, jwtVerifier, refuseEverything, revokeAtIdp } from './support/protected-resource.js';
import { TestIdp } from './support/test-idp.js';
import { waitUntil } from './support/wait-until.js';
import { startTokenApp, type TokenApp } from './support/token-app.js';

const CLIENT = { clientId: 'grpc-client', clientSecret: 'grpc-client-secret-4321' };
const RESOURCE_SERVER = { clientId: 'resource-server', clientSecret: 'resource-server-secret-5678' };

/** A plaintext client of `server` with the token interceptor of `app`: the channel a mesh sidecar would give. */
function plaintextClient(server: GrpcEchoServer, app: TokenApp): EchoMethods {
  return new EchoClient(server.target, credentials.createInsecure(), {
    interceptors: [createGrpcTokenInterceptor(app.manager)],
  }) as unknown as EchoMethods;
}

function say(client: EchoMethods, text: string, metadata = new Metadata()): Promise<{ text: string }> {
  return new Promise((resolve, reject) => client.say({ text }, metadata, (error, reply) => (error ? reject(error) : resolve(reply!))));
}

async function sayFails(client: EchoMethods, text: string, metadata?: Metadata): Promise<ServiceError> {
  const error = await say(client, text, metadata).then(
    () => undefined,
    (failure: unknown) => failure,
  );
  expect(error).toBeInstanceOf(Error);
  return error as ServiceError;
}

/** Reads a server-streaming call to its end: the messages, or the error it ended with. */
function watch(client: EchoMethods, text: string): Promise<{ messages: string[]; error?: ServiceError }> {
  return new Promise((resolve) => {
    const messages: string[] = [];
    const stream = client.watch({ text });
    stream.on('data', (reply: { text: string }) => messages.push(reply.text));
    stream.on('error', (error: ServiceError) => resolve({ messages, error }));
    stream.on('end', () => resolve({ messages }));
  });
}

const tokenOf = (authorization: string | undefined) => authorization?.replace(/^Bearer /, '');

describe('gRPC token interceptor on a plaintext channel, against a server checking JWTs with the JWKS of oidc-provider', () => {
  let idp: TestIdp;
  let api: GrpcEchoServer;
  let refusing: GrpcEchoServer;
  let app: TokenApp | undefined;
  const clients: EchoMethods[] = [];

  const start = async (extra: { clientSecret?: string } = {}) => {
    app = await startTokenApp({ tokenUrl: idp.tokenUrl, ...CLIENT, ...extra });
    return app;
  };
  const clientOf = (server: GrpcEchoServer, started: TokenApp) => {
    const client = plaintextClient(server, started);
    clients.push(client);
    return client;
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
    for (const client of clients.splice(0)) client.close();
    await app?.close();
    app = undefined;
  });

  it('500 concurrent unary calls at cold start make one token request, and every call arrives with that token', async () => {
    const client = clientOf(api, await start());

    const replies = await Promise.all(Array.from({ length: 500 }, (_, index) => say(client, `call ${index}`)));

    expect(replies.map((reply) => reply.text)).toEqual(Array.from({ length: 500 }, (_, index) => `call ${index}`));
    expect(idp.tokenRequests).toBe(1);
    const token = await app!.manager.getAccessToken();
    expect(new Set(api.calls.map((call) => call.authorization))).toEqual(new Set([`Bearer ${token}`]));
    expect(api.calls).toHaveLength(500);
  });

  it('a server that always answers UNAUTHENTICATED: exactly two attempts, the second with a new token, and the caller gets the error', async () => {
    const started = await start();
    const client = clientOf(refusing, started);

    const error = await sayFails(client, 'hello');

    expect(error.code).toBe(status.UNAUTHENTICATED);
    expect(error.details).toBe('Bearer error="invalid_token"');
    const [first, second] = refusing.calls.map((call) => tokenOf(call.authorization));
    expect(refusing.calls).toHaveLength(2);
    expect(first).toBeDefined();
    expect(second).not.toBe(first);
    expect(idp.tokenRequests).toBe(2);
    // The error the caller holds names neither token.
    for (const token of [first!, second!]) {
      expect(inspect(error, { depth: 10 })).not.toContain(token);
      expect(JSON.stringify(error)).not.toContain(token);
    }
  });

  it('with retryOnUnauthenticated: false, a unary call gets its UNAUTHENTICATED at once and the next call a new token', async () => {
    const started = await start();
    const client = new EchoClient(refusing.target, credentials.createInsecure(), {
      interceptors: [createGrpcTokenInterceptor(started.manager, { retryOnUnauthenticated: false })],
    }) as unknown as EchoMethods;
    clients.push(client);

    const first = await sayFails(client, 'one');
    await sayFails(client, 'two');

    expect(first.code).toBe(status.UNAUTHENTICATED);
    const [one, two] = refusing.calls.map((call) => tokenOf(call.authorization));
    expect(refusing.calls).toHaveLength(2);
    expect(two).not.toBe(one);
    expect(idp.tokenRequests).toBe(2);
  });

  it('a streaming call answered UNAUTHENTICATED gets the error without a resend', async () => {
    const client = clientOf(refusing, await start());

    const { messages, error } = await watch(client, 'feed');

    expect(messages).toEqual([]);
    expect(error?.code).toBe(status.UNAUTHENTICATED);
    expect(refusing.calls).toHaveLength(1);
    expect(idp.tokenRequests).toBe(1);
  });

  it('a streaming call with a valid token receives every message', async () => {
    const client = clientOf(api, await start());

    await expect(watch(client, 'feed')).resolves.toEqual({ messages: ['feed 1', 'feed 2'] });
    expect(api.calls).toHaveLength(1);
  });

  it('a call with its own authorization metadata goes out untouched, and its UNAUTHENTICATED is not retried', async () => {
    const client = clientOf(api, await start());
    const metadata = new Metadata();
    metadata.set('authorization', 'Bearer callers-own-token');

    const error = await sayFails(client, 'mine', metadata);

    expect(error.code).toBe(status.UNAUTHENTICATED);
    expect(api.calls).toEqual([{ method: '/test.echo.Echo/Say', authorization: 'Bearer callers-own-token' }]);
    expect(idp.tokenRequests).toBe(0);
  });

  it('a Metadata object the caller reuses across calls never holds the token', async () => {
    const client = clientOf(api, await start());
    const metadata = new Metadata();
    metadata.set('x-request-source', 'batch');

    await say(client, 'one', metadata);
    await say(client, 'two', metadata);

    expect(metadata.getMap()).toEqual({ 'x-request-source': 'batch' });
    expect(api.calls.map((call) => call.authorization)).toEqual([expect.stringMatching(/^Bearer /), expect.stringMatching(/^Bearer /)]);
  });

  it('a call cancelled while it waits for the token ends CANCELLED at once; a concurrent call still gets the token', async () => {
    const client = clientOf(api, await start());
    const release = idp.holdNextTokenRequest();
    let cancelled: ServiceError | null | undefined;
    const cancelledEnded = new Promise<void>((resolve) => {
      const call = client.say({ text: 'cancelled' }, new Metadata(), (error) => {
        cancelled = error;
        resolve();
      });
      // Cancelled once its token request is on its way (the concurrent call below waits on the same one).
      void waitUntil(() => idp.tokenRequests === 1).then(() => call.cancel());
    });
    const concurrent = say(client, 'waits');

    await cancelledEnded;
    release();

    expect(cancelled?.code).toBe(status.CANCELLED);
    await expect(concurrent).resolves.toEqual({ text: 'waits' });
    expect(api.calls).toHaveLength(1);
    expect(idp.tokenRequests).toBe(1);
  });

  it('a call whose deadline passes while it waits for the token ends DEADLINE_EXCEEDED, without reaching the server', async () => {
    const client = clientOf(api, await start());
    const release = idp.holdNextTokenRequest();

    const error = await new Promise<ServiceError | null>((resolve) =>
      client.say({ text: 'late' }, new Metadata(), { deadline: Date.now() + 100 }, (failure) => resolve(failure)),
    );
    release();

    expect(error?.code).toBe(status.DEADLINE_EXCEEDED);
    expect(api.calls).toEqual([]);
  });

  it('a token the IdP refuses to issue: the call fails with UNAVAILABLE naming the token error, and no secret leaks', async () => {
    const wrongSecret = 'wrong-grpc-secret-value-0000';
    const client = clientOf(api, await start({ clientSecret: wrongSecret }));

    const error = await sayFails(client, 'hello');

    expect(error.code).toBe(status.UNAVAILABLE);
    expect(error.details).toMatch(/^Access token unavailable: .*invalid_client/);
    expect(api.calls).toEqual([]);
    for (const view of [inspect(error, { depth: 10 }), JSON.stringify(error), error.message, String(error.stack)]) {
      expect(view).not.toContain(wrongSecret);
      expect(view).not.toContain(CLIENT.clientSecret);
    }
  });
});

describe('gRPC token interceptor against a server that introspects opaque tokens at oidc-provider', () => {
  let idp: TestIdp;
  let api: GrpcEchoServer;
  let app: TokenApp | undefined;
  let client: EchoMethods | undefined;

  /** Starts the app with a client, takes its first token and revokes it at the IdP: the cached token is now dead. */
  const startWithRevokedToken = async () => {
    app = await startTokenApp({ tokenUrl: idp.tokenUrl, ...CLIENT });
    client = plaintextClient(api, app);
    const revoked = await app.manager.getAccessToken();
    await revokeAtIdp(idp, revoked, CLIENT);
    idp.tokenRequests = 0;
    return { client, revoked };
  };

  beforeAll(async () => {
    idp = await TestIdp.start({ format: 'opaque', clients: [CLIENT, RESOURCE_SERVER] });
    api = await GrpcEchoServer.start(introspectionVerifier(idp, RESOURCE_SERVER));
  });
  afterAll(async () => {
    await api.stop();
    await idp.stop();
  });
  beforeEach(() => {
    api.calls.length = 0;
  });
  afterEach(async () => {
    client?.close();
    await app?.close();
    app = undefined;
  });

  it('200 concurrent unary calls with a revoked token: one renewal, and every call succeeds on its single resend', async () => {
    const { client, revoked } = await startWithRevokedToken();
    const retries: unknown[] = [];
    const subscription = app!.manager.events$.subscribe((event) => event.type === 'unauthorized_retry' && retries.push(event));

    const replies = await Promise.all(Array.from({ length: 200 }, (_, index) => say(client, `call ${index}`)));
    subscription.unsubscribe();

    expect(replies).toHaveLength(200);
    expect(idp.tokenRequests).toBe(1);
    const fresh = await app!.manager.getAccessToken();
    expect(fresh).not.toBe(revoked);
    const carried = api.calls.map((call) => tokenOf(call.authorization));
    expect(carried.filter((token) => token === revoked)).toHaveLength(200);
    expect(carried.filter((token) => token === fresh)).toHaveLength(200);
    expect(carried).toHaveLength(400);
    expect(retries).toHaveLength(200);
  });

  it('a streaming call with a revoked token gets UNAUTHENTICATED once; the next call goes out with a new token', async () => {
    const { client, revoked } = await startWithRevokedToken();

    const { error } = await watch(client, 'feed');
    const reply = await say(client, 'after');

    expect(error?.code).toBe(status.UNAUTHENTICATED);
    expect(reply).toEqual({ text: 'after' });
    expect(api.calls.map((call) => [call.method, tokenOf(call.authorization) === revoked])).toEqual([
      ['/test.echo.Echo/Watch', true],
      ['/test.echo.Echo/Say', false],
    ]);
    expect(idp.tokenRequests).toBe(1);
  });
});
