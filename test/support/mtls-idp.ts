import { X509Certificate } from 'node:crypto';
import { createServer, type Server } from 'node:https';
import type { TLSSocket } from 'node:tls';
import { exportJWK, generateKeyPair, type CryptoKey } from 'jose';
import Provider from 'oidc-provider';
import { closeHttpServer, listenOnLoopback } from './loopback.js';
import type { TestCertificates } from './test-certificates.js';

/** The resource indicator of the certificate-bound API; oidc-provider issues JWT access tokens for it. */
export const MTLS_API_RESOURCE = 'https://mtls-api.test.local/';

/**
 * oidc-provider serving HTTPS itself (no terminator: Node's TLS server is in front of it in-process),
 * with RFC 8705 `tls_client_auth` and certificate-bound access tokens: it reads the client certificate
 * from the TLS socket, checks it chains to the test CA and names the registered subject, and writes
 * its `x5t#S256` into the token's `cnf` claim.
 */
export class MtlsIdp {
  tokenRequests = 0;

  private constructor(
    private readonly server: Server,
    readonly issuer: string,
    /** Verifies the access tokens the IdP signs (what an API fetches from `jwks_uri`). */
    readonly signingKey: CryptoKey,
  ) {}

  get tokenUrl(): string {
    return `${this.issuer}/token`;
  }

  static async start(certs: TestCertificates, clientId: string): Promise<MtlsIdp> {
    const server = createServer({
      cert: certs.serverCert,
      key: certs.serverKey,
      ca: certs.caCert,
      requestCert: true,
      rejectUnauthorized: false,
    });
    const issuer = `https://127.0.0.1:${await listenOnLoopback(server)}`;
    const { privateKey, publicKey } = await generateKeyPair('RS256', { extractable: true });
    const peer = (ctx: { socket: unknown }) => (ctx.socket as TLSSocket).getPeerCertificate();
    const provider = new Provider(issuer, {
      clients: [
        {
          client_id: clientId,
          grant_types: ['client_credentials'],
          redirect_uris: [],
          response_types: [],
          token_endpoint_auth_method: 'tls_client_auth',
          tls_client_auth_subject_dn: `CN=${clientId}`,
          tls_client_certificate_bound_access_tokens: true,
          scope: 'api:read',
        },
      ],
      jwks: { keys: [{ ...(await exportJWK(privateKey)), kid: 'mtls-signing-key', alg: 'RS256', use: 'sig' }] },
      scopes: ['api:read'],
      clientAuthMethods: ['tls_client_auth'],
      features: {
        devInteractions: { enabled: false },
        clientCredentials: { enabled: true },
        mTLS: {
          enabled: true,
          certificateBoundAccessTokens: true,
          tlsClientAuth: true,
          // A PEM string: oidc-provider's `instanceof X509Certificate` would depend on Jest's module realm.
          getCertificate: (ctx) => {
            const raw = peer(ctx)?.raw;
            return raw === undefined ? undefined : new X509Certificate(raw).toString();
          },
          certificateAuthorized: (ctx) => (ctx.socket as TLSSocket).authorized,
          certificateSubjectMatches: (ctx, property, expected) =>
            property === 'tls_client_auth_subject_dn' && `CN=${String(peer(ctx).subject?.CN)}` === expected,
        },
        resourceIndicators: {
          enabled: true,
          defaultResource: () => MTLS_API_RESOURCE,
          useGrantedResource: () => true,
          getResourceServerInfo: () => ({
            scope: 'api:read',
            audience: MTLS_API_RESOURCE,
            accessTokenFormat: 'jwt',
            jwt: { sign: { alg: 'RS256' } },
          }),
        },
      },
    });
    provider.on('server_error', () => undefined);
    const idp = new MtlsIdp(server, issuer, publicKey);
    provider.use(async (ctx, next) => {
      if (ctx.method === 'POST' && ctx.path === '/token') idp.tokenRequests += 1;
      await next();
    });
    const handle = provider.callback();
    server.on('request', (request, response) => void handle(request, response));
    return idp;
  }

  stop(): Promise<void> {
    return closeHttpServer(this.server);
  }
}
