import { createSecretKey, type KeyObject, randomUUID } from 'node:crypto';
import type { CredentialProvider } from '../credentials/credential-provider.js';
import { readClientAssertion } from '../credentials/read-client-assertion.js';
import type { ResolvedTokenOptions } from '../options/resolved-token-options.js';
import { loadJose as loadJoseModule, type JoseModule } from '../internal/jose.loader.js';
import { TokenConfigError } from '../errors/token-config.error.js';
import type { ClientAuthentication, ClientCredentialsPart } from './client-authentication.interface.js';
import { trackCredential } from './tracked-credential.js';

/** Lifetime of a `client_secret_jwt` assertion: one request, as for `private_key_jwt`'s default. */
const CLIENT_SECRET_JWT_LIFETIME_SECONDS = 60;
/** RFC 7523 §2.2: the value of `client_assertion_type`. */
const JWT_BEARER_ASSERTION = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';

function assertionPart(clientId: string, assertion: string): ClientCredentialsPart {
  return { formFields: { client_id: clientId, client_assertion_type: JWT_BEARER_ASSERTION, client_assertion: assertion }, headers: {} };
}

/**
 * RFC 7523 §3: a JWT signed by the client, one per request (unique `jti`), `iss` = `sub` = client id,
 * `aud` = token endpoint, short `exp`. Timestamps use the real clock, not the `clock` option: the
 * server checks them against its own wall clock.
 */
async function signAssertion(
  method: string,
  key: KeyObject,
  header: { alg: string; kid?: string },
  clientId: string,
  audience: string,
  lifetimeSeconds: number,
): Promise<string> {
  const { SignJWT } = await loadJose(method);
  const nowSeconds = Math.floor(Date.now() / 1000);
  return new SignJWT({})
    .setProtectedHeader({ ...header, typ: 'JWT' })
    .setIssuer(clientId)
    .setSubject(clientId)
    .setAudience(audience)
    .setJti(randomUUID())
    .setIssuedAt(nowSeconds)
    .setExpirationTime(nowSeconds + lifetimeSeconds)
    .sign(key);
}

/** `private_key_jwt`: the assertion is signed with the client's private key, read from its provider. @internal */
export function privateKeyJwt(options: ResolvedTokenOptions): ClientAuthentication {
  const settings = options.privateKeyJwt!;
  const tracked = trackCredential(options.revealCredentials().privateKey!);
  const header = { alg: settings.algorithm, ...(settings.kid !== undefined ? { kid: settings.kid } : {}) };
  return {
    secrets: [],
    credentialsChanged: tracked.changed,
    async credentialsFor(audience, signal) {
      const key = await tracked.read(signal);
      const assertion = await signAssertion('private_key_jwt', key, header, options.clientId, audience, settings.assertionLifetimeSeconds);
      return assertionPart(options.clientId, assertion);
    },
  };
}

/** `client_secret_jwt` (RFC 7523 §2.2, OIDC Core §9): an HS256 assertion keyed with the client secret. @internal */
export function clientSecretJwt(options: ResolvedTokenOptions, secret: CredentialProvider<string>): ClientAuthentication {
  const tracked = trackCredential(secret);
  return {
    get secrets() {
      return secret.secrets;
    },
    credentialsChanged: tracked.changed,
    async credentialsFor(audience, signal) {
      const key = createSecretKey(Buffer.from(await tracked.read(signal), 'utf8'));
      const assertion = await signAssertion(
        'client_secret_jwt',
        key,
        { alg: 'HS256' },
        options.clientId,
        audience,
        CLIENT_SECRET_JWT_LIFETIME_SECONDS,
      );
      return assertionPart(options.clientId, assertion);
    },
  };
}

/**
 * `client_assertion`: an assertion issued by someone else (RFC 7521 §4.2, RFC 7523 §2.2), such as a
 * Kubernetes projected service-account token for workload identity federation. It is read for each
 * request and sent as it is; an expired one is reported with its source.
 * @internal
 */
export function clientAssertion(options: ResolvedTokenOptions): ClientAuthentication {
  const provider = options.revealCredentials().clientAssertion!;
  let sentAssertion: string | undefined;
  return {
    get secrets() {
      return provider.secrets;
    },
    async credentialsChanged(signal) {
      return (await provider.reread(signal)).value.assertion !== sentAssertion;
    },
    async credentialsFor(_audience, signal) {
      sentAssertion = await readClientAssertion(provider, signal);
      return assertionPart(options.clientId, sentAssertion);
    },
  };
}

/**
 * The optional peer `jose`, loaded on first use so installs without a JWT client authentication do not
 * need it. The import and its cache are DPoP's loader's; only the problem reported when jose is missing
 * names `clientAuthMethod`.
 * @internal
 */
export function loadJose(method = 'private_key_jwt'): Promise<JoseModule> {
  return loadJoseModule().catch(() => {
    throw new TokenConfigError([
      { field: 'clientAuthMethod', message: `${method} needs the optional peer dependency "jose" (npm install jose)` },
    ]);
  });
}
