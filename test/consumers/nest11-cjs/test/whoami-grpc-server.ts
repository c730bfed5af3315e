import {
  type sendUnaryData,
  type ServerUnaryCall,
  type ServiceDefinition,
  Server,
  ServerCredentials,
  makeGenericClientConstructor,
  status,
} from '@grpc/grpc-js';

/** What the server answers: the demo API's verdict on the Bearer token the call carried. */
export interface WhoamiReply {
  status: number;
  client?: string;
}

const json = {
  serialize: (value: unknown) => Buffer.from(JSON.stringify(value)),
  deserialize: (bytes: Buffer) => JSON.parse(bytes.toString()),
};

/** One unary method with JSON messages: no proto file needed on either side. */
const whoamiService: ServiceDefinition = {
  whoami: {
    path: '/consumer.Whoami/Whoami',
    requestStream: false,
    responseStream: false,
    requestSerialize: json.serialize,
    requestDeserialize: json.deserialize,
    responseSerialize: json.serialize,
    responseDeserialize: json.deserialize,
  },
};

/** The client constructor of the whoami service (a grpc-js generic client). */
export const WhoamiClient = makeGenericClientConstructor(whoamiService, 'Whoami');

/**
 * Starts a plaintext grpc-js server whose only method asks the protected demo API (`apiBaseUrl`/hello)
 * whether the call's `authorization` metadata is a valid token; a call without one is UNAUTHENTICATED.
 */
export async function startWhoamiServer(apiBaseUrl: string): Promise<{ address: string; stop: () => void }> {
  const server = new Server();
  server.addService(whoamiService, {
    whoami: (call: ServerUnaryCall<object, WhoamiReply>, callback: sendUnaryData<WhoamiReply>) => {
      const authorization = call.metadata.get('authorization')[0];
      if (typeof authorization !== 'string') return callback({ code: status.UNAUTHENTICATED, details: 'no authorization' });
      fetch(`${apiBaseUrl}/hello`, { headers: { authorization } })
        .then(async (response) =>
          callback(null, { status: response.status, client: ((await response.json()) as { client?: string }).client }),
        )
        .catch((error: unknown) => callback({ code: status.INTERNAL, details: String(error) }));
    },
  });
  const port = await new Promise<number>((done, fail) =>
    server.bindAsync('127.0.0.1:0', ServerCredentials.createInsecure(), (error, bound) => (error ? fail(error) : done(bound))),
  );
  return { address: `127.0.0.1:${port}`, stop: () => server.forceShutdown() };
}
