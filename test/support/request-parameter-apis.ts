import { createRemoteJWKSet, decodeJwt, jwtVerify } from 'jose';
import { ProtectedResource, type ResourceRequest, type TokenVerifier } from './protected-resource.js';
import { TestIdp } from './test-idp.js';
import { startTokenApp, type TokenApp } from './token-app.js';

const CLIENT = { clientId: 'test-client', clientSecret: 'test-secret-value-1234' };

/**
 * The world of the per-request token parameter specs: the real IdP minting each token for its resource
 * indicator (`aud`); an orders API whose `http.resources` entry is its own URL, which also accepts tokens
 * minted for its parts (`ordersPart(name)`), checks each against the IdP's JWKS with jose and refuses the
 * tokens in `revoked`; and a foreign server outside the allowlist that records what it is sent.
 */
export interface RequestParameterApis {
  readonly idp: TestIdp;
  readonly orders: ProtectedResource;
  readonly elsewhere: ProtectedResource;
  readonly app: TokenApp;
  /** The resource of the orders origin's `http.resources` entry. */
  readonly ordersResource: string;
  /** A resource indicator of a part of the orders API (`https://orders-admin.test/`): one a request may name. */
  ordersPart(name: string): string;
  /** Tokens the orders API refuses from now on (as after a revocation). */
  readonly revoked: Set<string>;
  stop(): Promise<void>;
}

export async function startRequestParameterApis(): Promise<RequestParameterApis> {
  const idp = await TestIdp.start({ audienceFromResource: true });
  const revoked = new Set<string>();
  const jwks = createRemoteJWKSet(new URL(idp.jwksUrl));
  // Its own resource is its URL, known once it listens.
  let ordersResource = '';
  const verify: TokenVerifier = async (token) => {
    if (revoked.has(token)) return 'invalid_token';
    try {
      const { payload } = await jwtVerify(token, jwks, { issuer: idp.issuer });
      const audience = payload.aud;
      const accepted = audience === ordersResource || (typeof audience === 'string' && /^https:\/\/orders-[a-z-]+\.test\/$/.test(audience));
      return accepted ? 'ok' : 'invalid_token';
    } catch {
      return 'invalid_token';
    }
  };
  const orders = await ProtectedResource.start(verify);
  ordersResource = `${orders.url}/`;
  const elsewhere = await ProtectedResource.start('public');
  const app = await startTokenApp({
    tokenUrl: idp.tokenUrl,
    ...CLIENT,
    http: { resources: { [orders.url]: { resource: ordersResource } } },
  });
  return {
    idp,
    orders,
    elsewhere,
    app,
    ordersResource,
    ordersPart: (name) => `https://orders-${name}.test/`,
    revoked,
    async stop() {
      await app.close();
      await Promise.all([orders.stop(), elsewhere.stop()]);
      await idp.stop();
    },
  };
}

/** The Bearer token a request carried. */
export function bearerOf(request: ResourceRequest | undefined): string {
  return request!.authorization!.replace(/^Bearer /, '');
}

/** The `aud` of the token a request carried. */
export function audienceOf(request: ResourceRequest | undefined): unknown {
  return decodeJwt(bearerOf(request)).aud;
}
