import { readFileSync } from 'node:fs';
import { createServer as createHttpServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { createServer as createNetServer, type Socket } from 'node:net';
import { resolve } from 'node:path';
import { createRemoteJWKSet, jwtVerify } from 'jose';
import { listenOnLoopback } from './loopback.js';
import { basicAuthorization, type ClientCredentials } from './programmable-server.js';
import { TEST_API_RESOURCE, type TestIdp } from './test-idp.js';

/** The self-signed certificate of 127.0.0.1 the resource servers present on https; trust it with `new https.Agent({ ca })`. */
export const TEST_TLS_CERT = readFileSync(resolve('test/support/fixtures/test-tls.cert.pem'), 'utf8');
const TEST_TLS_KEY = readFileSync(resolve('test/support/fixtures/test-tls.key.pem'), 'utf8');

/** Whether a Bearer token grants access: `ok`, or the RFC 6750 error the API answers with (as a 401). */
export type TokenVerdict = 'ok' | 'invalid_token' | 'insufficient_scope';
/** Decides whether a Bearer token grants access. */
export type TokenVerifier = (token: string) => Promise<TokenVerdict>;

/** A request as the resource server saw it. */
export interface ResourceRequest {
  readonly scheme: 'http' | 'https';
  readonly method: string;
  readonly path: string;
  readonly host: string;
  readonly authorization?: string;
  /** The `DPoP` proof header, when one was sent. */
  readonly dpop?: string;
  readonly body: string;
}

/** A JWT access token check against the IdP's JWKS (signature, issuer, audience, expiry), as an API would do it. */
export function jwtVerifier(idp: TestIdp, audience: string = TEST_API_RESOURCE): TokenVerifier {
  const jwks = createRemoteJWKSet(new URL(idp.jwksUrl));
  return async (token) => {
    try {
      await jwtVerify(token, jwks, { issuer: idp.issuer, audience });
      return 'ok';
    } catch {
      return 'invalid_token';
    }
  };
}

/** `jwtVerifier`, except that the API refuses the tokens in `revoked` (`invalid_token`), as it would after a revocation. */
export function revocableJwtVerifier(idp: TestIdp, revoked: ReadonlySet<string>): TokenVerifier {
  const verify = jwtVerifier(idp);
  return async (token) => (revoked.has(token) ? 'invalid_token' : verify(token));
}

/** Refuses every request with a 401: a server outside the allowlist whose 401 must renew nothing. */
export const refuseEverything: TokenVerifier = async () => 'invalid_token';

/**
 * An opaque token check by RFC 7662 introspection at the IdP: a token revoked there is inactive. With
 * `requiredScope`, an active token without that scope is refused too (`insufficient_scope`).
 */
export function introspectionVerifier(idp: TestIdp, client: ClientCredentials, requiredScope?: string): TokenVerifier {
  const authorization = basicAuthorization(client);
  return async (token) => {
    const response = await fetch(idp.introspectionUrl, {
      method: 'POST',
      headers: { authorization, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ token }),
    });
    const answer = (await response.json()) as { active?: boolean; scope?: string };
    if (answer.active !== true) return 'invalid_token';
    if (requiredScope !== undefined && !(answer.scope ?? '').split(' ').includes(requiredScope)) return 'insufficient_scope';
    return 'ok';
  };
}

/** Revokes a token at the IdP (RFC 7009), as an administrator or a compromise response would. */
export async function revokeAtIdp(idp: TestIdp, token: string, client: ClientCredentials): Promise<void> {
  const response = await fetch(idp.revocationUrl, {
    method: 'POST',
    headers: { authorization: basicAuthorization(client), 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ token, token_type_hint: 'access_token' }),
  });
  if (response.status !== 200) throw new Error(`revocation answered ${response.status}`);
}

/**
 * A protected API on 127.0.0.1 that speaks http and https on the same port (so a test can change only
 * the scheme). It answers 401 with RFC 6750's `WWW-Authenticate` to a missing or rejected Bearer token,
 * 200 with `{ ok, path }` otherwise, and redirects the paths listed in `redirects`. With the verifier
 * `'public'` it checks nothing: a foreign server that records what it was sent.
 */
export class ProtectedResource {
  readonly requests: ResourceRequest[] = [];
  /** Path → redirect answered before any token check. */
  readonly redirects = new Map<string, { status: number; location: string }>();
  readonly #sockets = new Set<Socket>();

  private constructor(
    private readonly server: ReturnType<typeof createNetServer>,
    private readonly verify: TokenVerifier | 'public',
    readonly port: number,
  ) {}

  /** `http://127.0.0.1:<port>` */
  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }
  /** `https://127.0.0.1:<port>`: the same server over TLS. */
  get httpsUrl(): string {
    return `https://127.0.0.1:${this.port}`;
  }

  /** The requests to a path. */
  requestsTo(path: string): ResourceRequest[] {
    return this.requests.filter((request) => request.path === path);
  }

  static async start(verify: TokenVerifier | 'public'): Promise<ProtectedResource> {
    const plain = createHttpServer({ keepAlive: true });
    const secure = createHttpsServer({ cert: TEST_TLS_CERT, key: TEST_TLS_KEY, keepAlive: true });
    // The first byte of a TLS connection is a handshake record (22); anything else is plain HTTP.
    const server = createNetServer((socket) => {
      socket.once('data', (first: Buffer) => {
        socket.pause();
        socket.unshift(first);
        (first[0] === 22 ? secure : plain).emit('connection', socket);
        process.nextTick(() => socket.resume());
      });
    });
    const resource = new ProtectedResource(server, verify, await listenOnLoopback(server));
    server.on('connection', (socket) => {
      resource.#sockets.add(socket);
      socket.on('close', () => resource.#sockets.delete(socket));
    });
    plain.on('request', (request, response) => resource.handle('http', request, response));
    secure.on('request', (request, response) => resource.handle('https', request, response));
    return resource;
  }

  private handle(scheme: 'http' | 'https', request: IncomingMessage, response: ServerResponse): void {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const path = new URL(request.url ?? '/', 'http://resource').pathname;
      const authorization = request.headers.authorization;
      const dpop = request.headers.dpop as string | undefined;
      const body = Buffer.concat(chunks).toString('utf8');
      this.requests.push({
        scheme,
        method: request.method ?? '',
        path,
        host: request.headers.host ?? '',
        ...(authorization ? { authorization } : {}),
        ...(dpop ? { dpop } : {}),
        body,
      });
      void this.answer(path, authorization, body, response).catch(() => response.destroy());
    });
  }

  private async answer(path: string, authorization: string | undefined, body: string, response: ServerResponse): Promise<void> {
    const redirect = this.redirects.get(path);
    if (redirect) {
      response.writeHead(redirect.status, { location: redirect.location, 'content-length': '0' });
      response.end();
      return;
    }
    if (this.verify !== 'public') {
      const token = /^Bearer (\S+)$/.exec(authorization ?? '')?.[1];
      const verdict = token === undefined ? undefined : await this.verify(token);
      if (verdict !== 'ok') {
        const challenge = verdict === undefined ? 'Bearer realm="test-api"' : `Bearer realm="test-api", error="${verdict}"`;
        response.writeHead(401, { 'www-authenticate': challenge, 'content-type': 'application/json' });
        response.end(JSON.stringify({ error: 'unauthorized' }));
        return;
      }
    }
    response.writeHead(200, { 'content-type': 'application/json' });
    response.end(JSON.stringify({ ok: true, path, body }));
  }

  async stop(): Promise<void> {
    for (const socket of this.#sockets) socket.destroy();
    await new Promise<void>((done) => this.server.close(() => done()));
  }
}
