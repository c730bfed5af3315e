import { createHash, randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { calculateJwkThumbprint, createLocalJWKSet, EmbeddedJWK, type JWK, jwtVerify } from 'jose';
import { closeHttpServer, listenOnLoopback } from './loopback.js';
import { TEST_API_RESOURCE, type TestIdp } from './test-idp.js';

/** Seconds a proof's `iat` may differ from the server clock (RFC 9449 §11.1 leaves it to the server). */
const IAT_WINDOW_SECONDS = 60;

/** The headers of one request the resource server received. */
export interface CapturedRequest {
  readonly method: string;
  readonly path: string;
  readonly authorization?: string;
  readonly dpop?: string;
}

class Rejection extends Error {
  constructor(
    readonly error: 'invalid_token' | 'invalid_dpop_proof' | 'use_dpop_nonce',
    reason: string,
  ) {
    super(reason);
  }
}

/**
 * A DPoP-protected API (RFC 9449 §7) that trusts the test IdP. It checks everything a real
 * resource server must, independently of the client under test: the access token (signature by
 * the IdP's JWKS, issuer, audience, `cnf.jkt`), and the proof (signature with its embedded key,
 * `typ`, `htm`, `htu`, `ath`, `iat` window, `jti` never seen before, key thumbprint = `cnf.jkt`).
 * It demands its nonce on first contact and sends the current nonce on every answer.
 */
export class DpopResourceServer {
  /** Every request, in arrival order. */
  readonly captured: CapturedRequest[] = [];
  /** Why each rejected request was rejected, nonce challenges included. */
  readonly rejections: string[] = [];
  accepted = 0;
  nonceChallenges = 0;
  /** Demand a new nonce on every request, even one carrying the current nonce. */
  alwaysDemandNonce = false;
  /** Rotate the nonce on the next accepted request and announce the new one in its `DPoP-Nonce` header. */
  rotateNonceOnNextSuccess = false;
  nonce = randomBytes(16).toString('base64url');
  readonly #seenJti = new Set<string>();
  /** Tokens this API refuses as revoked (`invalid_token`), checked after the nonce as the last check. */
  readonly #revoked = new Set<string>();
  /** Paths answered with a 307 to another URL, before any check. */
  readonly #redirects = new Map<string, string>();

  private constructor(
    private readonly server: Server,
    readonly baseUrl: string,
    private readonly jwks: ReturnType<typeof createLocalJWKSet>,
    private readonly issuer: string,
  ) {}

  static async start(idp: TestIdp): Promise<DpopResourceServer> {
    const jwks = createLocalJWKSet((await (await fetch(idp.jwksUrl)).json()) as { keys: JWK[] });
    const server = createServer();
    const api = new DpopResourceServer(server, `http://127.0.0.1:${await listenOnLoopback(server)}`, jwks, idp.issuer);
    server.on('request', (request: IncomingMessage, response: ServerResponse) => {
      request.resume();
      request.on('end', () => void api.handle(request, response));
    });
    return api;
  }

  /** Refuses `accessToken` from now on, as an API does with a token revoked at the IdP. */
  revoke(accessToken: string): void {
    this.#revoked.add(accessToken);
  }

  /** Answers requests to `path` with a 307 redirect to `location`. */
  redirect(path: string, location: string): void {
    this.#redirects.set(path, location);
  }

  private async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const path = request.url ?? '/';
    const { authorization, dpop } = request.headers as { authorization?: string; dpop?: string };
    this.captured.push({ method: request.method ?? 'GET', path, ...(authorization ? { authorization } : {}), ...(dpop ? { dpop } : {}) });
    const location = this.#redirects.get(path);
    if (location !== undefined) {
      response.writeHead(307, { Location: location });
      response.end();
      return;
    }
    try {
      const jkt = await this.verify(request.method ?? 'GET', path, authorization, dpop);
      this.accepted += 1;
      if (this.rotateNonceOnNextSuccess) {
        this.rotateNonceOnNextSuccess = false;
        this.nonce = randomBytes(16).toString('base64url');
      }
      response.writeHead(200, { 'Content-Type': 'application/json', 'DPoP-Nonce': this.nonce });
      response.end(JSON.stringify({ ok: true, method: request.method, path, jkt }));
    } catch (error) {
      const rejection = error instanceof Rejection ? error : new Rejection('invalid_token', (error as Error).message);
      this.rejections.push(`${rejection.error}: ${rejection.message}`);
      if (rejection.error === 'use_dpop_nonce') this.nonceChallenges += 1;
      response.writeHead(401, {
        'Content-Type': 'application/json',
        'WWW-Authenticate': `DPoP error="${rejection.error}", error_description="${rejection.message.replace(/["\\]/g, "'")}", algs="ES256 RS256 PS256 EdDSA"`,
        'DPoP-Nonce': this.nonce,
      });
      response.end(JSON.stringify({ error: rejection.error }));
    }
  }

  /** Resolves with the key thumbprint the request proved, or throws the `Rejection` naming the first failed check. */
  private async verify(method: string, path: string, authorization: string | undefined, proof: string | undefined): Promise<string> {
    const [scheme, accessToken] = (authorization ?? '').split(/\s+/, 2);
    if (scheme?.toLowerCase() !== 'dpop' || !accessToken) throw new Rejection('invalid_token', `scheme "${scheme ?? ''}" is not DPoP`);
    if (!proof) throw new Rejection('invalid_dpop_proof', 'missing DPoP proof');

    const token = await jwtVerify(accessToken, this.jwks, { issuer: this.issuer, audience: TEST_API_RESOURCE }).catch((error: Error) => {
      throw new Rejection('invalid_token', `access token: ${error.message}`);
    });
    const boundTo = (token.payload.cnf as { jkt?: unknown } | undefined)?.jkt;
    if (typeof boundTo !== 'string') throw new Rejection('invalid_token', 'access token is not DPoP-bound (no cnf.jkt)');

    const { payload, protectedHeader } = await jwtVerify(proof, EmbeddedJWK, {
      typ: 'dpop+jwt',
      algorithms: ['ES256', 'RS256', 'PS256', 'EdDSA'],
    }).catch((error: Error) => {
      throw new Rejection('invalid_dpop_proof', `proof signature: ${error.message}`);
    });
    if (payload.htm !== method) throw new Rejection('invalid_dpop_proof', 'htm mismatch');
    if (payload.htu !== `${this.baseUrl}${path.split('?')[0]}`) throw new Rejection('invalid_dpop_proof', 'htu mismatch');
    const ath = createHash('sha256').update(accessToken, 'ascii').digest('base64url');
    if (payload.ath !== ath) throw new Rejection('invalid_dpop_proof', 'ath mismatch');
    if (typeof payload.iat !== 'number' || Math.abs(Date.now() / 1000 - payload.iat) > IAT_WINDOW_SECONDS)
      throw new Rejection('invalid_dpop_proof', 'iat outside window');
    if (typeof payload.jti !== 'string' || payload.jti === '') throw new Rejection('invalid_dpop_proof', 'missing jti');
    if (this.#seenJti.has(payload.jti)) throw new Rejection('invalid_dpop_proof', 'jti reused (replayed proof)');
    this.#seenJti.add(payload.jti);
    const proofKey = await calculateJwkThumbprint(protectedHeader.jwk as JWK);
    if (proofKey !== boundTo) throw new Rejection('invalid_token', 'cnf.jkt does not match the proof key');
    if (this.alwaysDemandNonce || payload.nonce !== this.nonce)
      throw new Rejection('use_dpop_nonce', 'resource server requires nonce in DPoP proof');
    if (this.#revoked.has(accessToken)) throw new Rejection('invalid_token', 'token revoked');
    return proofKey;
  }

  stop(): Promise<void> {
    return closeHttpServer(this.server);
  }
}
