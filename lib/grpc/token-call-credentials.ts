import { type CallCredentials, credentials, Metadata, status } from '@grpc/grpc-js';
import { bearerAuthorization, type GrpcTokenSource, tokenFailureDetails } from './grpc-token-source.js';

/**
 * gRPC call credentials that add `authorization: Bearer <token>` from the token manager to every call.
 * Compose them with TLS channel credentials (`credentials.combineChannelCredentials(credentials.createSsl(), …)`):
 * grpc-js sends call credentials only over secure channels. They attach the token and nothing more:
 * for the one-shot renewal on UNAUTHENTICATED, and for plaintext channels (a service mesh sidecar
 * terminating TLS), use `createGrpcTokenInterceptor` instead. Use one or the other, not both: each
 * would add its own `authorization` value.
 *
 * A call whose token cannot be obtained fails with UNAVAILABLE, naming the token error (never a secret).
 */
export function createGrpcCallCredentials(tokens: Pick<GrpcTokenSource, 'getAccessToken'>): CallCredentials {
  return credentials.createFromMetadataGenerator((_call, callback) => {
    tokens.getAccessToken().then(
      (token) => {
        const metadata = new Metadata();
        metadata.set('authorization', bearerAuthorization(token));
        callback(null, metadata);
      },
      (error: unknown) => callback(Object.assign(new Error(tokenFailureDetails(error)), { code: status.UNAVAILABLE })),
    );
  });
}
