import type { KeyObject } from 'node:crypto';
import { isCredentialFile } from '../credentials/credential-provider.js';
import { parsePrivateKeyCredential } from '../credentials/credential-parsers.js';
import { readPrivateKey } from '../internal/private-key.js';
import { validateCredentialSource } from '../options/validate-credential-source.js';
import type { DpopAlgorithm, DpopKeyOptions } from '../options/dpop-options.interface.js';
import { ResolvedDpopOptions } from '../options/resolved-dpop-options.js';
import { type Report, reportUnknownKeys } from '../options/option-checks.js';
import { optionNames, TOKEN_OPTION_TABLE } from '../options/token-option-table.js';

/** The algorithms the `dpop.alg` option accepts. */
const DPOP_ALGORITHMS: readonly DpopAlgorithm[] = ['ES256', 'RS256', 'PS256', 'EdDSA'];
const MIN_RSA_BITS = 2048;
/** Defaults of the `dpop` object (and of `dpop: true`). */
const DPOP_DEFAULTS = { alg: 'ES256', allowBearerDowngrade: false } as const satisfies Omit<Required<DpopKeyOptions>, 'privateKey'>;

/**
 * Validates the `dpop` option inside the single options validation path. A bad key is reported by
 * what is wrong with it (type, curve, size), never by its content. A `{ file }` key is read now; a
 * function's key when the module starts (within `readTimeoutMs`), once: the key is fixed for the
 * module's life (its thumbprint keys the token cache), so a new DPoP key takes a restart.
 * @internal
 */
export function validateDpopOption(value: unknown, report: Report, readTimeoutMs = 10_000): ResolvedDpopOptions | undefined {
  if (value === undefined || value === null || value === false) return undefined;
  if (value === true) return new ResolvedDpopOptions(DPOP_DEFAULTS);
  if (typeof value !== 'object' || Array.isArray(value)) {
    report('dpop', 'must be true, { generateKey: true, alg?, allowBearerDowngrade? } or { privateKey, alg?, allowBearerDowngrade? }');
    return undefined;
  }
  const options = value as Partial<DpopKeyOptions> & { generateKey?: unknown } & Record<string, unknown>;
  reportUnknownKeys(options, optionNames(TOKEN_OPTION_TABLE.dpop), 'dpop.', report);
  const alg = options.alg ?? DPOP_DEFAULTS.alg;
  if (!DPOP_ALGORITHMS.includes(alg)) report('dpop.alg', `must be one of ${DPOP_ALGORITHMS.join(', ')}`);
  const allowBearerDowngrade = options.allowBearerDowngrade ?? DPOP_DEFAULTS.allowBearerDowngrade;
  if (typeof allowBearerDowngrade !== 'boolean') report('dpop.allowBearerDowngrade', 'must be a boolean');
  const settings = { alg, allowBearerDowngrade: allowBearerDowngrade === true };
  const generateKey = options.generateKey ?? false;
  const hasPrivateKey = options.privateKey !== undefined && options.privateKey !== null && options.privateKey !== '';
  if (typeof generateKey !== 'boolean') {
    report('dpop.generateKey', 'must be true (generate the key pair at startup) or absent');
    return undefined;
  }
  if (generateKey && hasPrivateKey) {
    report('dpop.generateKey', 'cannot be combined with dpop.privateKey: set exactly one of them');
    return undefined;
  }
  if (generateKey) return DPOP_ALGORITHMS.includes(alg) ? new ResolvedDpopOptions(settings) : undefined;
  if (typeof options.privateKey === 'function' || isCredentialFile(options.privateKey)) {
    if (!DPOP_ALGORITHMS.includes(alg)) return undefined;
    const parse = (raw: unknown) => {
      const key = parsePrivateKeyCredential(raw);
      const mismatch = dpopKeyMismatch(key, alg);
      if (mismatch !== undefined) throw new Error(mismatch);
      return key;
    };
    const expected = 'a PEM private key, a private JWK, a function or { file }';
    const provider = validateCredentialSource(options.privateKey, 'dpop.privateKey', { parse, timeoutMs: readTimeoutMs, expected }, report);
    if (provider === undefined) return undefined;
    return new ResolvedDpopOptions(settings, typeof options.privateKey === 'function' ? provider : provider.peek());
  }
  const privateKey = parsePrivateKey(options.privateKey, report);
  if (privateKey === undefined || !DPOP_ALGORITHMS.includes(alg)) return undefined;
  const mismatch = dpopKeyMismatch(privateKey, alg);
  if (mismatch !== undefined) {
    report('dpop.privateKey', mismatch);
    return undefined;
  }
  return new ResolvedDpopOptions(settings, privateKey);
}

/** The configured key as a Node private key; each reason it cannot be read is its own problem. */
function parsePrivateKey(value: unknown, report: Report): KeyObject | undefined {
  const key = readPrivateKey(value);
  if (key === 'absent')
    report('dpop.privateKey', 'is required when dpop is an object without generateKey: set exactly one of privateKey or generateKey: true');
  else if (key === 'unsupported') report('dpop.privateKey', 'must be a PEM private key or a private JWK');
  else if (key === 'unreadable') report('dpop.privateKey', 'is not a readable private key (a public key, or a malformed PEM/JWK)');
  else return key;
  return undefined;
}

/**
 * Why the key cannot sign with `alg`, or undefined when it can. Also checks a key adopted from a
 * store, so a foreign key is refused by the same rules as a configured one.
 * @internal
 */
export function dpopKeyMismatch(key: KeyObject, alg: DpopAlgorithm): string | undefined {
  const type = key.asymmetricKeyType;
  const details = key.asymmetricKeyDetails ?? {};
  switch (alg) {
    case 'ES256':
      if (type === 'ec' && details.namedCurve === 'prime256v1') return undefined;
      return `is ${describeKey(key)}; alg ES256 needs an EC P-256 key${type === 'rsa' ? ' (set dpop.alg to RS256 or PS256 for RSA)' : ''}`;
    case 'RS256':
    case 'PS256':
      if (type !== 'rsa' && !(alg === 'PS256' && type === 'rsa-pss')) return `is ${describeKey(key)}; alg ${alg} needs an RSA key`;
      if ((details.modulusLength ?? 0) < MIN_RSA_BITS) return `is ${describeKey(key)}; RSA keys need at least ${MIN_RSA_BITS} bits`;
      return undefined;
    case 'EdDSA':
      return type === 'ed25519' ? undefined : `is ${describeKey(key)}; alg EdDSA needs an Ed25519 key`;
  }
}

function describeKey(key: KeyObject): string {
  const details = key.asymmetricKeyDetails ?? {};
  if (details.namedCurve) return `an ${String(key.asymmetricKeyType).toUpperCase()} ${details.namedCurve} key`;
  if (details.modulusLength) return `a ${details.modulusLength}-bit ${String(key.asymmetricKeyType).toUpperCase()} key`;
  return `an ${String(key.asymmetricKeyType)} key`;
}
