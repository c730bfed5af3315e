import { TokenError } from '../errors/token.error.js';

/**
 * A credential could not be read: its file is missing or empty, its function threw, returned nothing
 * or took longer than `requestTimeoutMs`, or it holds no usable value (a malformed key, an expired
 * client assertion). The message names the option and the source (`file /path` or `function`), never
 * the value; the function's own error is not passed on, since it may quote the secret.
 */
export class CredentialError extends TokenError {
  /** The option whose credential failed, e.g. `clientSecret` or `clientAssertion`. */
  readonly option: string;
  /** Where it was read from: `file <path>`, `function` or `value`. */
  readonly source: string;

  constructor(option: string, source: string, problem: string) {
    super(`${option} (${source}): ${problem}`);
    this.option = option;
    this.source = source;
  }
}
