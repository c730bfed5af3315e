import type { ClientAuthMethod } from '../options/token-module-options.interface.js';

/** The credentials part of a token request: extra form fields and headers. @internal */
export interface ClientAuthentication {
  readonly formFields: Readonly<Record<string, string>>;
  readonly headers: Readonly<Record<string, string>>;
  /** Strings that must never leave the process in logs or errors (secret, header values). */
  readonly secrets: readonly string[];
}

/**
 * RFC 6749 §2.3.1: `client_secret_basic` form-urlencodes id and secret before base64 (so a secret
 * with `:` or `%` survives); `client_secret_post` sends both as form fields.
 * @internal
 */
export function authenticateClient(method: ClientAuthMethod, clientId: string, clientSecret: string): ClientAuthentication {
  if (method === 'client_secret_post') {
    return { formFields: { client_id: clientId, client_secret: clientSecret }, headers: {}, secrets: [clientSecret] };
  }
  const credentials = Buffer.from(`${formUrlEncode(clientId)}:${formUrlEncode(clientSecret)}`, 'utf8').toString('base64');
  const authorization = `Basic ${credentials}`;
  return { formFields: {}, headers: { Authorization: authorization }, secrets: [clientSecret, credentials, formUrlEncode(clientSecret)] };
}

/** The application/x-www-form-urlencoded serialisation of one value. */
export function formUrlEncode(value: string): string {
  return new URLSearchParams({ v: value }).toString().slice(2);
}
