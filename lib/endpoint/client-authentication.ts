import type { CredentialProvider } from '../credentials/credential-provider.js';
import type { ResolvedTokenOptions } from '../options/resolved-token-options.js';
import { clientAssertion, clientSecretJwt, privateKeyJwt } from './jwt-client-authentication.js';
import { tlsClientAuth } from './tls-client-authentication.js';
import { trackCredential } from './tracked-credential.js';
import type { ClientAuthentication } from './client-authentication.interface.js';

export type { ClientAuthentication, ClientCredentialsPart } from './client-authentication.interface.js';

export { loadJose } from './jwt-client-authentication.js';

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
