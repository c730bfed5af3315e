import { createHash } from 'node:crypto';
import { createServer, type Server } from 'node:https';
import type { TLSSocket } from 'node:tls';
import { jwtVerify, type CryptoKey } from 'jose';
import { closeHttpServer, listenOnLoopback } from './loopback.js';
import type { TestCertificates } from './test-certificates.js';

/** What the API saw of one request. */
export interface ApiCall {
  /** SHA-256 thumbprint (base64url) of the client certificate presented, undefined without one. */
  readonly certificateThumbprint: string | undefined;
  readonly authorization: string | undefined;
  readonly status: number;
}

/** The `x5t#S256` of a DER certificate (RFC 8705 §3.1). */
export function certificateThumbprint(der: Buffer): string {
  return createHash('sha256').update(der).digest('base64url');
}

/**
 * An HTTPS API that asks for a client certificate and accepts a JWT access token only when its
 * `cnf.x5t#S256` is the thumbprint of the certificate presented on the connection (RFC 8705 §3);
 * otherwise 401 `invalid_token`. With `verify: undefined` it checks nothing and answers 200: an
 * origin that must never see our certificate, which records whether it got one. `redirectTo` makes
 * every request to `/redirect` answer 302 there.
 */
export class CertificateBoundApi {
  readonly calls: ApiCall[] = [];

  private constructor(
    private readonly server: Server,
    readonly origin: string,
  ) {}

  static async start(
    certs: TestCertificates,
    verify: { key: CryptoKey; issuer: string; audience: string } | undefined,
    redirectTo?: () => string,
  ): Promise<CertificateBoundApi> {
    const server = createServer({ cert: certs.serverCert, key: certs.serverKey, requestCert: true, rejectUnauthorized: false });
    const api = new CertificateBoundApi(server, `https://127.0.0.1:${await listenOnLoopback(server)}`);
    server.on('request', (request, response) => {
      request.resume();
      const raw = (request.socket as TLSSocket).getPeerCertificate()?.raw;
      const thumbprint = raw === undefined ? undefined : certificateThumbprint(raw);
      const answer = (status: number, body: unknown, headers: Record<string, string> = {}) => {
        api.calls.push({ certificateThumbprint: thumbprint, authorization: request.headers.authorization, status });
        response.writeHead(status, { 'content-type': 'application/json', ...headers });
        response.end(JSON.stringify(body));
      };
      if (redirectTo !== undefined && request.url === '/redirect') return answer(302, {}, { location: redirectTo() });
      if (verify === undefined) return answer(200, { ok: true });
      const token = /^Bearer (.+)$/.exec(request.headers.authorization ?? '')?.[1];
      if (token === undefined) return answer(401, { error: 'invalid_token' });
      jwtVerify(token, verify.key, { issuer: verify.issuer, audience: verify.audience }).then(
        ({ payload }) => {
          const bound = (payload.cnf as Record<string, unknown> | undefined)?.['x5t#S256'];
          if (bound !== undefined && bound === thumbprint) answer(200, { ok: true });
          else answer(401, { error: 'invalid_token', error_description: 'certificate does not match the token' });
        },
        () => answer(401, { error: 'invalid_token' }),
      );
    });
    return api;
  }

  stop(): Promise<void> {
    return closeHttpServer(this.server);
  }
}
