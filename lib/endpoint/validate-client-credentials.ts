import type { KeyObject } from 'node:crypto';
import { parseExternalAssertion } from '../credentials/client-assertion.js';
import { parseCertificatePem, parsePrivateKeyCredential, parsePrivateKeyPem, parseSecret } from '../credentials/credential-parsers.js';
import { validateCredentialSource } from '../options/validate-credential-source.js';
import { numberInRange, type Report, reportUnknownKeys } from '../options/option-checks.js';
import { optionNames, TOKEN_OPTION_TABLE } from '../options/token-option-table.js';
import type { ClientCredentials, ResolvedPrivateKeyJwt, ResolvedTlsClientAuth } from '../options/resolved-token-options.js';
import type { ClientAssertionAlgorithm, ClientAuthMethod, TokenModuleOptions } from '../options/token-module-options.interface.js';

const ASSERTION_ALGORITHMS: readonly ClientAssertionAlgorithm[] = ['RS256', 'PS256', 'ES256'];
/** Default `exp - iat` of a client assertion: long enough for one request, short enough to limit replay. */
const DEFAULT_ASSERTION_LIFETIME_SECONDS = 60;

/** What each client authentication method needs, checked once for both registration paths. @internal */
export interface ValidatedClientCredentials {
  readonly secrets: ClientCredentials;
  readonly privateKeyJwt?: ResolvedPrivateKeyJwt;
  readonly tlsClientAuth?: ResolvedTlsClientAuth;
}

/**
 * Checks the credentials of the chosen method: a secret for the `client_secret_*` methods, a usable
 * private key for `private_key_jwt`, a certificate and key for `tls_client_auth`. Settings of a method
 * that is not chosen are reported, so a half-migrated configuration does not silently keep a secret.
 * @internal
 */
export function validateClientCredentials(
  options: Partial<TokenModuleOptions>,
  method: ClientAuthMethod,
  timeoutMs: number,
  report: Report,
): ValidatedClientCredentials {
  const usesSecret = method === 'client_secret_basic' || method === 'client_secret_post' || method === 'client_secret_jwt';
  const secretMissing = options.clientSecret === undefined || options.clientSecret === null || options.clientSecret === '';
  if (usesSecret && secretMissing) report('clientSecret', 'is required');
  const secretCheck = { parse: parseSecret, timeoutMs, expected: 'a string, a function or { file }' };
  const clientSecret =
    usesSecret && !secretMissing ? validateCredentialSource(options.clientSecret, 'clientSecret', secretCheck, report) : undefined;
  if (!usesSecret && options.clientSecret !== undefined) report('clientSecret', `is not used with clientAuthMethod ${method}`);
  if (method !== 'client_assertion' && options.clientAssertion !== undefined)
    report('clientAssertion', 'is only used with clientAuthMethod client_assertion');
  if (method !== 'private_key_jwt' && options.privateKeyJwt !== undefined)
    report('privateKeyJwt', 'is only used with clientAuthMethod private_key_jwt');
  if (method !== 'tls_client_auth' && options.tlsClientAuth !== undefined)
    report('tlsClientAuth', 'is only used with clientAuthMethod tls_client_auth');

  if (method === 'private_key_jwt') return validatePrivateKeyJwt(options.privateKeyJwt, timeoutMs, report);
  if (method === 'tls_client_auth') return validateTlsClientAuth(options.tlsClientAuth, timeoutMs, report);
  if (method === 'client_assertion') {
    if (options.clientAssertion === undefined)
      report('clientAssertion', 'is required with clientAuthMethod client_assertion ({ file } or a function)');
    const assertionCheck = {
      parse: parseExternalAssertion,
      timeoutMs,
      valueAllowed: false,
      expected: '{ file } or a function returning the assertion',
    };
    const clientAssertion = validateCredentialSource(options.clientAssertion, 'clientAssertion', { ...assertionCheck, reuseMs: 0 }, report);
    return { secrets: { clientAssertion } };
  }
  return { secrets: { clientSecret } };
}

function validatePrivateKeyJwt(value: TokenModuleOptions['privateKeyJwt'], timeoutMs: number, report: Report): ValidatedClientCredentials {
  if (value === undefined || value === null || typeof value !== 'object') {
    report('privateKeyJwt', 'is required with clientAuthMethod private_key_jwt ({ key, kid?, algorithm? })');
    return { secrets: {} };
  }
  reportUnknownKeys(value, optionNames(TOKEN_OPTION_TABLE.privateKeyJwt), 'privateKeyJwt.', report);
  // Set below from the key known at startup; a key read later (a new file, a function's answer) is checked against it.
  let signingAlgorithm: ClientAssertionAlgorithm | undefined;
  const parse = (raw: unknown) => {
    const parsed = parsePrivateKeyCredential(raw);
    if (signingAlgorithm !== undefined && !algorithmFitsKey(signingAlgorithm, parsed))
      throw new Error(`is a ${describeKey(parsed)} key, which privateKeyJwt.algorithm ${signingAlgorithm} cannot sign with`);
    return parsed;
  };
  const keyCheck = { parse, timeoutMs, expected: 'a PEM private key, a private JWK, a function or { file }' };
  const privateKey = validateCredentialSource(value.key, 'privateKeyJwt.key', keyCheck, report);
  if (value.key === undefined) report('privateKeyJwt.key', 'must be a PEM private key or a private JWK');
  // A function's key is only known when read: state its algorithm, or RS256 is assumed.
  const key = privateKey?.peek();
  const jwk = typeof value.key === 'object' && value.key !== null ? (value.key as Record<string, unknown>) : undefined;
  const jwkKid = typeof jwk?.kid === 'string' ? jwk.kid : undefined;
  const kid = value.kid ?? jwkKid;
  if (kid !== undefined && (typeof kid !== 'string' || kid === '')) report('privateKeyJwt.kid', 'must be a non-empty string when set');
  const algorithm = value.algorithm ?? defaultAlgorithm(key);
  if (ASSERTION_ALGORITHMS.includes(algorithm)) signingAlgorithm = algorithm;
  if (!ASSERTION_ALGORITHMS.includes(algorithm)) report('privateKeyJwt.algorithm', `must be one of ${ASSERTION_ALGORITHMS.join(', ')}`);
  else if (key !== undefined && !algorithmFitsKey(algorithm, key))
    report('privateKeyJwt.algorithm', `${algorithm} does not fit a ${describeKey(key)} key`);
  const assertionLifetimeSeconds = numberInRange(
    value.assertionLifetimeSeconds,
    DEFAULT_ASSERTION_LIFETIME_SECONDS,
    'privateKeyJwt.assertionLifetimeSeconds',
    1,
    report,
  );
  return {
    secrets: { privateKey },
    privateKeyJwt: { ...(kid !== undefined ? { kid } : {}), algorithm, assertionLifetimeSeconds },
  };
}

function defaultAlgorithm(key: KeyObject | undefined): ClientAssertionAlgorithm {
  return key?.asymmetricKeyType === 'ec' ? 'ES256' : 'RS256';
}

function algorithmFitsKey(algorithm: ClientAssertionAlgorithm, key: KeyObject): boolean {
  if (algorithm === 'ES256') return key.asymmetricKeyType === 'ec' && key.asymmetricKeyDetails?.namedCurve === 'prime256v1';
  return key.asymmetricKeyType === 'rsa' || key.asymmetricKeyType === 'rsa-pss';
}

function describeKey(key: KeyObject): string {
  const curve = key.asymmetricKeyDetails?.namedCurve;
  return `${key.asymmetricKeyType ?? 'unknown'}${curve ? ` (${curve})` : ''}`;
}

function validateTlsClientAuth(value: TokenModuleOptions['tlsClientAuth'], timeoutMs: number, report: Report): ValidatedClientCredentials {
  if (value === undefined || value === null || typeof value !== 'object') {
    report('tlsClientAuth', 'is required with clientAuthMethod tls_client_auth ({ cert, key, ca? })');
    return { secrets: {} };
  }
  reportUnknownKeys(value, optionNames(TOKEN_OPTION_TABLE.tlsClientAuth), 'tlsClientAuth.', report);
  const source = (field: 'cert' | 'key', parse: (raw: unknown) => string, expected: string) => {
    if (value[field] === undefined || value[field] === null || value[field] === '')
      return void report(`tlsClientAuth.${field}`, `must be ${expected}`);
    return validateCredentialSource(value[field], `tlsClientAuth.${field}`, { parse, timeoutMs, expected }, report);
  };
  const tlsCert = source('cert', parseCertificatePem, 'a PEM certificate');
  const tlsKey = source('key', parsePrivateKeyPem, 'a PEM private key');
  const pem = (text: unknown, field: string) => {
    if (typeof text !== 'string' || !text.includes('-----BEGIN CERTIFICATE')) report(field, 'must be a PEM certificate');
  };
  const cas = value.ca === undefined ? [] : Array.isArray(value.ca) ? value.ca : [value.ca];
  cas.forEach((ca, index) => pem(ca, Array.isArray(value.ca) ? `tlsClientAuth.ca[${index}]` : 'tlsClientAuth.ca'));
  if (value.passphrase !== undefined && typeof value.passphrase !== 'string') report('tlsClientAuth.passphrase', 'must be a string');
  return {
    secrets: { tlsCert, tlsKey, ...(value.passphrase !== undefined ? { tlsPassphrase: value.passphrase } : {}) },
    tlsClientAuth: value.ca !== undefined ? { ca: value.ca } : {},
  };
}
