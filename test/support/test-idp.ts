import { randomBytes } from 'node:crypto';
import { createServer, type RequestListener, type Server } from 'node:http';
import { exportJWK, generateKeyPair } from 'jose';
import Provider, { type ClientMetadata, type Configuration } from 'oidc-provider';
import { closeHttpServer, listenOnLoopback } from './loopback.js';

/** The resource indicator of the test API; oidc-provider issues JWT access tokens for it. */
export const TEST_API_RESOURCE = 'https://api.test.local/';

/** Where the test IdP serves each client's public keys (its `jwks_uri`). */
const CLIENT_JWKS_PATH = '/.test/client-jwks/';

/** A client registered at the test IdP. */
export interface TestClient {
  clientId: string;
  clientSecret: string;
  authMethod?: 'client_secret_basic' | 'client_secret_post' | 'client_secret_jwt' | 'private_key_jwt';
  scope?: string;
  jwks?: { keys: unknown[] };
  /** Register the client with `dpop_bound_access_tokens`: the IdP refuses token requests without a proof. */
  dpopBound?: boolean;
}

export interface TestIdpOptions {
  clients?: TestClient[];
  /** Access token lifetime in seconds. */
  ttlSeconds?: number;
  /** Issue JWT access tokens for TEST_API_RESOURCE (default) instead of opaque ones. */
  format?: 'jwt' | 'opaque';
  /**
   * DPoP (RFC 9449). Default: oidc-provider's own default (on, nonces off). `false` turns the feature
   * off (the IdP then ignores proofs and issues Bearer tokens); `{ requireNonce: true }` makes the
   * token endpoint demand a server nonce (400 use_dpop_nonce) from proofs without a valid one.
   */
  dpop?: false | { requireNonce?: boolean };
  /** Issue each JWT access token with its resource indicator as `aud` (default: always TEST_API_RESOURCE). */
  audienceFromResource?: boolean;
}

/** A fault the IdP serves instead of a token for the next token request(s). */
export type IdpFault = (ctx: {
  status: number;
  body: unknown;
  set: (name: string, value: string) => void;
  type: string;
}) => Promise<void> | void;

/**
 * oidc-provider running on 127.0.0.1: the real IdP of the test suites. It counts token requests
 * (how single-flight is proven) and serves queued faults through a Koa middleware.
 */
export class TestIdp {
  tokenRequests = 0;
  readonly faults: IdpFault[] = [];
  /** Form bodies of the token requests, for assertions on what was sent. */
  readonly tokenRequestBodies: string[] = [];
  /** The `DPoP` header of each token request (undefined when absent). */
  readonly tokenRequestProofs: (string | undefined)[] = [];
  /** Milliseconds to hold each token request before answering. */
  delayMs = 0;
  /** Token requests to hold until released, in arrival order (see `holdNextTokenRequest`). */
  readonly #holds: Promise<void>[] = [];

  /** The clients the IdP knows now (see `replaceClients`). */
  clients: TestClient[] = [];
  #options: TestIdpOptions = {};
  #signingKey: unknown;

  private constructor(
    public provider: Provider,
    private readonly server: Server,
    readonly issuer: string,
  ) {}

  /**
   * Re-registers the clients at the running IdP, at the same address: a secret rotated (or a key rolled
   * over) at the IdP. Issued tokens stay verifiable (same signing key); the old credentials stop working.
   */
  replaceClients(clients: TestClient[]): void {
    const next = new Provider(this.issuer, configurationFor(this.issuer, clients, this.#options, this.#signingKey));
    this.install(next, clients);
    this.server.removeAllListeners('request');
    this.server.on('request', requestListener(next));
  }

  get tokenUrl(): string {
    return `${this.issuer}/token`;
  }

  /**
   * Holds the next token request that arrives (after it is counted) until the returned function is
   * called: a slow IdP whose pace the test sets, without any timing.
   */
  holdNextTokenRequest(): () => void {
    let release!: () => void;
    this.#holds.push(new Promise<void>((resolve) => (release = resolve)));
    return release;
  }
  get introspectionUrl(): string {
    return `${this.issuer}/token/introspection`;
  }
  get revocationUrl(): string {
    return `${this.issuer}/token/revocation`;
  }
  get jwksUrl(): string {
    return `${this.issuer}/jwks`;
  }

  static async start(options: TestIdpOptions = {}): Promise<TestIdp> {
    const clients = options.clients ?? [{ clientId: 'test-client', clientSecret: 'test-secret-value-1234' }];
    const server = createServer();
    const issuer = `http://127.0.0.1:${await listenOnLoopback(server)}`;
    const { privateKey } = await generateKeyPair('RS256', { extractable: true });
    const signingKey = { ...(await exportJWK(privateKey)), kid: 'test-signing-key', alg: 'RS256', use: 'sig' };

    const provider = new Provider(issuer, configurationFor(issuer, clients, options, signingKey));
    const idp = new TestIdp(provider, server, issuer);
    idp.#options = options;
    idp.#signingKey = signingKey;
    idp.install(provider, clients);
    server.on('request', requestListener(provider));
    return idp;
  }

  /** The request counting, holds and faults, and the client JWKS endpoint, in front of `provider`. */
  private install(provider: Provider, clients: TestClient[]): void {
    this.provider = provider;
    this.clients = clients;
    const idp = this as TestIdp;
    provider.use(async (ctx, next) => {
      if (ctx.method === 'GET' && ctx.path.startsWith(CLIENT_JWKS_PATH)) {
        const client = idp.clients.find((candidate) => candidate.clientId === decodeURIComponent(ctx.path.slice(CLIENT_JWKS_PATH.length)));
        ctx.type = 'application/json';
        ctx.body = JSON.stringify(client?.jwks ?? { keys: [] });
        return;
      }
      if (ctx.method === 'POST' && ctx.path === '/token') {
        idp.tokenRequests += 1;
        idp.tokenRequestProofs.push(ctx.get('DPoP') || undefined);
        if (idp.delayMs > 0) await new Promise((resolve) => setTimeout(resolve, idp.delayMs));
        const hold = idp.#holds.shift();
        if (hold !== undefined) await hold;
        const fault = idp.faults.shift();
        if (fault) {
          await fault(ctx);
          return;
        }
      }
      await next();
      const body = (ctx as { oidc?: { body?: Record<string, string> } }).oidc?.body;
      if (ctx.method === 'POST' && ctx.path === '/token' && body !== undefined)
        idp.tokenRequestBodies.push(new URLSearchParams(body).toString());
    });
    provider.on('server_error', () => undefined);
  }

  stop(): Promise<void> {
    return closeHttpServer(this.server);
  }
}

/** The provider's Koa handler as a `request` listener: Koa settles its own errors (it answers 500), so its promise needs no caller. */
function requestListener(provider: Provider): RequestListener {
  const handle = provider.callback();
  return (request, response) => void handle(request, response);
}

/** oidc-provider's configuration for `clients`. */
function configurationFor(issuer: string, clients: TestClient[], options: TestIdpOptions, signingKey: unknown): Configuration {
  const ttlSeconds = options.ttlSeconds ?? 3600;
  const format = options.format ?? 'jwt';
  return {
    clients: clients.map((client): ClientMetadata => ({
      client_id: client.clientId,
      client_secret: client.clientSecret,
      grant_types: ['client_credentials'],
      redirect_uris: [],
      response_types: [],
      token_endpoint_auth_method: client.authMethod ?? 'client_secret_basic',
      scope: client.scope ?? 'api:read api:write',
      // Served by jwks_uri, not inline: oidc-provider checks inline JWKs with `constructor === Object`,
      // which fails for objects crossing into Jest's VM realm.
      ...(client.jwks ? { jwks_uri: `${issuer}${CLIENT_JWKS_PATH}${encodeURIComponent(client.clientId)}` } : {}),
      ...(client.dpopBound ? { dpop_bound_access_tokens: true } : {}),
    })),
    jwks: { keys: [signingKey as never] },
    scopes: ['api:read', 'api:write'],
    ...(options.dpop ? { enabledJWA: { dPoPSigningAlgValues: ['ES256', 'RS256', 'PS256', 'EdDSA'] } } : {}),
    features: {
      devInteractions: { enabled: false },
      clientCredentials: { enabled: true },
      introspection: { enabled: true },
      revocation: { enabled: true },
      ...(options.dpop === undefined
        ? {}
        : {
            dPoP:
              options.dpop === false
                ? { enabled: false }
                : {
                    enabled: true,
                    nonceSecret: randomBytes(32),
                    requireNonce: () => options.dpop !== false && options.dpop?.requireNonce === true,
                  },
          }),
      resourceIndicators: {
        enabled: true,
        defaultResource: () => (format === 'jwt' ? TEST_API_RESOURCE : undefined),
        useGrantedResource: () => true,
        getResourceServerInfo: (_ctx, resourceIndicator) => ({
          scope: 'api:read api:write',
          audience: options.audienceFromResource ? resourceIndicator : TEST_API_RESOURCE,
          accessTokenTTL: ttlSeconds,
          accessTokenFormat: 'jwt',
          jwt: { sign: { alg: 'RS256' } },
        }),
      },
    },
    ttl: { ClientCredentials: ttlSeconds },
  };
}
