import { randomUUID } from 'node:crypto';
import { createLocalJWKSet, exportJWK, generateKeyPair, jwtVerify, SignJWT, type JWK } from 'jose';
import { json, ProgrammableServer } from './programmable-server.js';

/** The audience a Kubernetes cluster writes into projected tokens meant for Entra ID (and our verifier). */
export const FEDERATION_AUDIENCE = 'api://AzureADTokenExchange';
export const SERVICE_ACCOUNT = 'system:serviceaccount:payments:invoices';

/** A workload identity issuer (the cluster's service-account issuer): signs short-lived service-account JWTs. */
export class TestWorkloadIssuer {
  readonly issuer = 'https://cluster.test.local';

  private constructor(
    private readonly privateKey: CryptoKey,
    readonly publicJwk: JWK,
  ) {}

  static async start(): Promise<TestWorkloadIssuer> {
    const { privateKey, publicKey } = await generateKeyPair('ES256');
    return new TestWorkloadIssuer(privateKey, { ...(await exportJWK(publicKey)), kid: 'cluster-key', alg: 'ES256', use: 'sig' });
  }

  /** A service-account token valid for `lifetimeSeconds` from now (negative: already expired). */
  issue(lifetimeSeconds: number, claims: { issuer?: string; subject?: string; audience?: string } = {}): Promise<string> {
    const now = Math.floor(Date.now() / 1000);
    return new SignJWT({})
      .setProtectedHeader({ alg: 'ES256', kid: 'cluster-key', typ: 'JWT' })
      .setIssuer(claims.issuer ?? this.issuer)
      .setSubject(claims.subject ?? SERVICE_ACCOUNT)
      .setAudience(claims.audience ?? FEDERATION_AUDIENCE)
      .setJti(randomUUID())
      .setIssuedAt(now - Math.max(0, -lifetimeSeconds) - 60)
      .setExpirationTime(now + lifetimeSeconds)
      .sign(this.privateKey);
  }
}

/**
 * A token endpoint that trusts the workload issuer, as Entra ID's federated credential does: it
 * verifies `client_assertion` against the issuer's JWKS (signature, `iss`, `aud`, `exp`, `sub`) and
 * issues a token; anything else is `invalid_client`. oidc-provider cannot stand in here: it insists
 * on `iss` = `sub` = client id and single-use `jti`, which a federated token does not have.
 */
export async function startFederatedTokenServer(issuer: TestWorkloadIssuer, clientId: string) {
  const jwks = createLocalJWKSet({ keys: [issuer.publicJwk] });
  const verified: string[] = [];
  const server = await ProgrammableServer.start(async (request, response) => {
    const form = new URLSearchParams(request.body);
    const assertion = form.get('client_assertion') ?? '';
    try {
      if (form.get('client_id') !== clientId) throw new Error('client_id');
      if (form.get('client_assertion_type') !== 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer') throw new Error('type');
      const { payload } = await jwtVerify(assertion, jwks, {
        issuer: issuer.issuer,
        audience: FEDERATION_AUDIENCE,
        subject: SERVICE_ACCOUNT,
      });
      verified.push(assertion);
      json(response, 200, { access_token: `federated-token-${verified.length}-${payload.jti}`, token_type: 'Bearer', expires_in: 3600 });
    } catch {
      json(response, 401, { error: 'invalid_client', error_description: 'client assertion rejected' });
    }
  });
  return { server, verified, tokenUrl: `${server.url}/oauth2/v2.0/token` };
}
