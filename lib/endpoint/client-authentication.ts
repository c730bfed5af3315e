import { randomUUID } from 'node:crypto';
import { Agent as HttpsAgent } from 'node:https';
import { loadJose as loadJoseModule, type JoseModule } from '../internal/jose.loader.js';
import { TokenConfigError } from '../errors/token-config.error.js';
import type { ResolvedTokenOptions } from '../options/resolved-token-options.js';

/** The credentials of one request: extra form fields and headers. @internal */
export interface ClientCredentialsPart {
  readonly formFields: Readonly<Record<string, string>>;
  readonly headers: Readonly<Record<string, string>>;
}

/**
 * One client authentication method (RFC 6749 §2.3, RFC 7523, RFC 8705). The same strategy
 * authenticates token, revocation and introspection requests.
 * @internal
 */
export interface ClientAuthentication {
  /** Credentials for one request; `audience` is the token endpoint (the `aud` of a client assertion). */
  credentialsFor(audience: string): Promise<ClientCredentialsPart>;
  /** Strings that must never leave the process in logs or errors (secret, header values). */
  readonly secrets: readonly string[];
  /** The HTTPS agent that presents the client certificate (`tls_client_auth`). */
  readonly httpsAgent?: HttpsAgent;
}

/** The strategy for the configured `clientAuthMethod`. @internal */
export function createClientAuthentication(options: ResolvedTokenOptions): ClientAuthentication {
  switch (options.clientAuthMethod) {
    case 'client_secret_post':
      return clientSecretPost(options.clientId, options.revealClientSecret());
    case 'private_key_jwt':
      return privateKeyJwt(options);
    case 'tls_client_auth':
      return tlsClientAuth(options);
    default:
      return clientSecretBasic(options.clientId, options.revealClientSecret());
  }
}

/** RFC 6749 §2.3.1: id and secret are form-urlencoded before base64, so a secret with `:` or `%` survives. */
function clientSecretBasic(clientId: string, clientSecret: string): ClientAuthentication {
  const credentials = Buffer.from(`${formUrlEncode(clientId)}:${formUrlEncode(clientSecret)}`, 'utf8').toString('base64');
  const part: ClientCredentialsPart = { formFields: {}, headers: { Authorization: `Basic ${credentials}` } };
  return { credentialsFor: () => Promise.resolve(part), secrets: [clientSecret, credentials, formUrlEncode(clientSecret)] };
}

/** RFC 6749 §2.3.1: both in the form body. */
function clientSecretPost(clientId: string, clientSecret: string): ClientAuthentication {
  const part: ClientCredentialsPart = { formFields: { client_id: clientId, client_secret: clientSecret }, headers: {} };
  return { credentialsFor: () => Promise.resolve(part), secrets: [clientSecret, formUrlEncode(clientSecret)] };
}

/**
 * RFC 7523 §2.2: a JWT signed with the client's private key, one per request (unique `jti`),
 * `iss` = `sub` = client id, `aud` = token endpoint, short `exp`. Timestamps use the real clock,
 * not the `clock` option: the server checks them against its own wall clock.
 */
function privateKeyJwt(options: ResolvedTokenOptions): ClientAuthentication {
  const settings = options.privateKeyJwt!;
  const key = options.revealCredentials().privateKey!;
  return {
    secrets: [],
    async credentialsFor(audience) {
      const { SignJWT } = await loadJose();
      const nowSeconds = Math.floor(Date.now() / 1000);
      const assertion = await new SignJWT({})
        .setProtectedHeader({ alg: settings.algorithm, typ: 'JWT', ...(settings.kid !== undefined ? { kid: settings.kid } : {}) })
        .setIssuer(options.clientId)
        .setSubject(options.clientId)
        .setAudience(audience)
        .setJti(randomUUID())
        .setIssuedAt(nowSeconds)
        .setExpirationTime(nowSeconds + settings.assertionLifetimeSeconds)
        .sign(key);
      return {
        formFields: {
          client_id: options.clientId,
          client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
          client_assertion: assertion,
        },
        headers: {},
      };
    },
  };
}

/** RFC 8705 §2.1: the TLS client certificate authenticates; `client_id` identifies the client in the body. */
function tlsClientAuth(options: ResolvedTokenOptions): ClientAuthentication {
  const { tlsKey, tlsPassphrase } = options.revealCredentials();
  const { cert, ca } = options.tlsClientAuth!;
  const httpsAgent = new HttpsAgent({
    cert,
    key: tlsKey,
    ...(tlsPassphrase !== undefined ? { passphrase: tlsPassphrase } : {}),
    ...(ca !== undefined ? { ca } : {}),
  });
  const part: ClientCredentialsPart = { formFields: { client_id: options.clientId }, headers: {} };
  return { credentialsFor: () => Promise.resolve(part), secrets: tlsPassphrase !== undefined ? [tlsPassphrase] : [], httpsAgent };
}

/**
 * The optional peer `jose`, loaded on first use so installs without `private_key_jwt` do not need it.
 * The import and its cache are shared (`internal/jose.loader`); only the problem reported when jose is missing names
 * `clientAuthMethod`.
 * @internal
 */
export function loadJose(): Promise<JoseModule> {
  return loadJoseModule().catch(() => {
    throw new TokenConfigError([
      { field: 'clientAuthMethod', message: 'private_key_jwt needs the optional peer dependency "jose" (npm install jose)' },
    ]);
  });
}

/** The application/x-www-form-urlencoded serialisation of one value. */
export function formUrlEncode(value: string): string {
  return new URLSearchParams({ v: value }).toString().slice(2);
}
