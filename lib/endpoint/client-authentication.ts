import { Agent as HttpsAgent } from 'node:https';
import type { CredentialProvider } from '../credentials/credential-provider.js';
import { TokenConfigError } from '../errors/token-config.error.js';
import type { ResolvedTokenOptions } from '../options/resolved-token-options.js';
import { clientAssertion, clientSecretJwt, privateKeyJwt } from './jwt-client-authentication.js';
import { loadJose as loadJoseModule, type JoseModule } from '../dpop/jose.loader.js';

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
  credentialsFor(audience: string, signal?: AbortSignal): Promise<ClientCredentialsPart>;
  /** Strings that must never leave the process in logs or errors (secrets seen lately, header values). */
  readonly secrets: readonly string[];
  /** The HTTPS agent that presents the client certificate (`tls_client_auth`). */
  readonly httpsAgent?: HttpsAgent;
  /**
   * After `invalid_client`: reads the credential again, ignoring reuse; true when it differs from the
   * one the last request carried (a rotation), so that request is worth sending once more.
   */
  credentialsChanged(signal?: AbortSignal): Promise<boolean>;
}

/** The strategy for the configured `clientAuthMethod`. @internal */
export function createClientAuthentication(options: ResolvedTokenOptions): ClientAuthentication {
  const { clientSecret } = options.revealCredentials();
  switch (options.clientAuthMethod) {
    case 'client_secret_post':
      return clientSecretPost(options.clientId, clientSecret!);
    case 'client_secret_jwt':
      return clientSecretJwt(options, clientSecret!);
    case 'private_key_jwt':
      return privateKeyJwt(options);
    case 'client_assertion':
      return clientAssertion(options);
    case 'tls_client_auth':
      return tlsClientAuth(options);
    default:
      return clientSecretBasic(options.clientId, clientSecret!);
  }
}

/**
 * A provider's value with the hash of the one the last request carried, so `changed()` can tell a
 * rotation from the same credential read twice.
 * @internal
 */
export function trackCredential<T>(provider: CredentialProvider<T>) {
  let sentHash: string | undefined;
  return {
    async read(signal?: AbortSignal): Promise<T> {
      const reading = await provider.readWithHash(signal);
      sentHash = reading.hash;
      return reading.value;
    },
    async changed(signal?: AbortSignal): Promise<boolean> {
      if (!provider.changes) return false;
      return (await provider.reread(signal)).hash !== sentHash;
    },
  };
}

/** RFC 6749 §2.3.1: id and secret are form-urlencoded before base64, so a secret with `:` or `%` survives. */
function clientSecretBasic(clientId: string, secret: CredentialProvider<string>): ClientAuthentication {
  const basic = (value: string) => Buffer.from(`${formUrlEncode(clientId)}:${formUrlEncode(value)}`, 'utf8').toString('base64');
  const tracked = trackCredential(secret);
  return {
    get secrets() {
      return secret.secrets.flatMap((value) => [value, basic(value), formUrlEncode(value)]);
    },
    credentialsChanged: tracked.changed,
    async credentialsFor(_audience, signal) {
      return { formFields: {}, headers: { Authorization: `Basic ${basic(await tracked.read(signal))}` } };
    },
  };
}

/** RFC 6749 §2.3.1: both in the form body. */
function clientSecretPost(clientId: string, secret: CredentialProvider<string>): ClientAuthentication {
  const tracked = trackCredential(secret);
  return {
    get secrets() {
      return secret.secrets.flatMap((value) => [value, formUrlEncode(value)]);
    },
    credentialsChanged: tracked.changed,
    async credentialsFor(_audience, signal) {
      return { formFields: { client_id: clientId, client_secret: await tracked.read(signal) }, headers: {} };
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
  return {
    credentialsFor: () => Promise.resolve(part),
    secrets: tlsPassphrase !== undefined ? [tlsPassphrase] : [],
    httpsAgent,
    credentialsChanged: () => Promise.resolve(false),
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

/** The application/x-www-form-urlencoded serialisation of one value. */
export function formUrlEncode(value: string): string {
  return new URLSearchParams({ v: value }).toString().slice(2);
}
