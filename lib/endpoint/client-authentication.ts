import type { Agent as HttpsAgent } from 'node:https';
import type { CredentialProvider } from '../credentials/credential-provider.js';
import type { ResolvedTokenOptions } from '../options/resolved-token-options.js';
import { clientAssertion, clientSecretJwt, privateKeyJwt } from './jwt-client-authentication.js';
import { tlsClientAuth } from './tls-client-authentication.js';
import { trackCredential } from './tracked-credential.js';

export { loadJose } from './jwt-client-authentication.js';

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
  /** The HTTPS agent that presents the current client certificate (`tls_client_auth`), once a request has read it. */
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

/** The application/x-www-form-urlencoded serialisation of one value. */
export function formUrlEncode(value: string): string {
  return new URLSearchParams({ v: value }).toString().slice(2);
}
