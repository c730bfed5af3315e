import { Logger } from '@nestjs/common';
import { TokenConfigError, type TokenConfigProblem } from '../errors/token-config.error.js';
import type { TokenModuleOptions } from '../options/token-module-options.interface.js';
import { validateTokenOptions } from '../validation/validate-token-options.js';
import { readVariableFile } from './read-variable-file.js';
import { TOKEN_ENVIRONMENT_SCHEMAS } from './token-environment.schema.js';
import { TOKEN_ENVIRONMENT_VARIABLES, type TokenEnvironmentVariable } from './token-environment.variables.js';
import { type UnknownEnvironmentVariable, unknownEnvironmentVariables, unknownVariableWarning } from './unknown-environment-variables.js';

/**
 * Reads `TokenModuleOptions` from environment variables (see `TOKEN_ENVIRONMENT_VARIABLES`).
 *
 * Each variable is parsed by its schema (a `…_FILE` variable: the file it names, read now; the secret,
 * private key and client assertion files become `{ file }` options, read again when they change), then the
 * options go through the module's own validation, so a bad environment fails once, with a
 * `TokenConfigError` whose problems name every bad variable and say why. Values are never quoted: a
 * variable may hold a secret. A set `OAUTH2_*` variable that is not read is logged as a warning with
 * the known name it most likely misspells, and a problem of that known variable mentions it.
 */
export function tokenOptionsFromEnvironment(env: Readonly<Record<string, string | undefined>>): TokenModuleOptions {
  const problems: TokenConfigProblem[] = [];
  const options: Record<string, unknown> = {};
  /** Which variable set each option: errors of the option name it. */
  const setBy = new Map<string, TokenEnvironmentVariable>();
  for (const variable of TOKEN_ENVIRONMENT_VARIABLES) {
    const raw = env[variable.name];
    if (raw === undefined || raw === '') continue;
    const earlier = setBy.get(variable.option);
    if (earlier !== undefined) {
      problems.push({ field: variable.name, message: `is set, and so is ${earlier.name}: set only one of them` });
      continue;
    }
    setBy.set(variable.option, variable);
    const text = variable.file ? readVariableFile(variable.name, raw, problems) : raw;
    const result = text === undefined ? undefined : TOKEN_ENVIRONMENT_SCHEMAS[variable.kind].safeParse(text);
    if (result === undefined || !result.success) {
      for (const issue of result?.error.issues ?? []) problems.push({ field: variable.name, message: issue.message });
      continue; // reported: the option's own check (say, "is required") would only repeat it
    }
    const switchedOff = switchedOffParent(options, variable.option);
    if (switchedOff !== undefined) problems.push({ field: variable.name, message: `is set, but ${switchedOff.name} is false` });
    // A live file is checked now (above) and read again by the module whenever it changes.
    else setPath(options, variable.option, variable.live ? { file: raw } : result.data);
  }
  generateDpopKeyWhenSwitchedOn(options, env);
  const unknown = unknownEnvironmentVariables(env);
  warnOnce(unknown);
  try {
    validateTokenOptions(options);
  } catch (error) {
    if (!(error instanceof TokenConfigError)) throw error;
    const reported = new Set(problems.map((problem) => problem.field));
    for (const problem of error.problems) {
      const field = variableOf(problem.field, setBy);
      if (!reported.has(field)) problems.push({ field, message: problem.message });
    }
  }
  if (problems.length > 0)
    throw new TokenConfigError(
      problems.map((problem) => withMisspellingHint(problem, unknown)),
      'environment',
    );
  return options as unknown as TokenModuleOptions;
}

/** Variables warned about already: `load: [tokenConfig]` and `tokenConfig.asProvider()` each read the environment. */
const warned = new Set<string>();
function warnOnce(unknown: readonly UnknownEnvironmentVariable[]): void {
  const logger = new Logger('TokenConfig');
  for (const variable of unknown.filter(({ name }) => !warned.has(name))) {
    warned.add(variable.name);
    logger.warn(unknownVariableWarning(variable));
  }
}

/** `OAUTH2_CLIENT_ID: is required` gets `; OAUTH2_CLEINT_ID is set: misspelt?` when such a variable is set. */
function withMisspellingHint(problem: TokenConfigProblem, unknown: readonly UnknownEnvironmentVariable[]): TokenConfigProblem {
  const misspellings = unknown.filter((variable) => variable.closest === problem.field).map((variable) => variable.name);
  if (misspellings.length === 0) return problem;
  return {
    field: problem.field,
    message: `${problem.message}; ${misspellings.join(' and ')} ${misspellings.length === 1 ? 'is' : 'are'} set: a misspelling of ${problem.field}?`,
  };
}

/**
 * `OAUTH2_DPOP=true` with `OAUTH2_DPOP_ALG` or `OAUTH2_DPOP_ALLOW_BEARER_DOWNGRADE` but no private key
 * means a generated key with those settings (`{ generateKey: true, ... }`); the sub-options alone
 * turned the switch into an object and dropped its `true`.
 */
function generateDpopKeyWhenSwitchedOn(options: Record<string, unknown>, env: Readonly<Record<string, string | undefined>>): void {
  const dpop = options.dpop;
  if (typeof dpop !== 'object' || dpop === null || 'privateKey' in dpop) return;
  const switchedOn = TOKEN_ENVIRONMENT_SCHEMAS.boolean.safeParse(env.OAUTH2_DPOP ?? '');
  if (switchedOn.success && switchedOn.data === true) options.dpop = { generateKey: true, ...dpop };
}

/**
 * A sub-option under an on/off switch (`OAUTH2_DPOP_PRIVATE_KEY` under `OAUTH2_DPOP`) turns the switch
 * into an object; under a switch set to false it is a contradiction, reported rather than guessed at.
 */
function setPath(target: Record<string, unknown>, path: string, value: unknown): void {
  const [head, ...rest] = path.split('.');
  if (rest.length === 0) {
    target[head] = value;
    return;
  }
  if (typeof target[head] !== 'object' || target[head] === null) target[head] = {};
  setPath(target[head] as Record<string, unknown>, rest.join('.'), value);
}

/** The switch variable set to false above a nested option path, if any. */
function switchedOffParent(options: Record<string, unknown>, path: string): TokenEnvironmentVariable | undefined {
  const dot = path.indexOf('.');
  if (dot < 0 || options[path.slice(0, dot)] !== false) return undefined;
  return TOKEN_ENVIRONMENT_VARIABLES.find((variable) => variable.option === path.slice(0, dot));
}

/**
 * `resource[1]` → `OAUTH2_RESOURCE[1]`: the variable whose option path is the longest prefix of the
 * field; of two variables for one option, the one that was set (else the first, the inline one). A
 * field above every variable (`privateKeyJwt`, missing as a whole) is named by its first variable.
 */
function variableOf(field: string, setBy: ReadonlyMap<string, TokenEnvironmentVariable>): string {
  let best: TokenEnvironmentVariable | undefined;
  for (const variable of TOKEN_ENVIRONMENT_VARIABLES) {
    const matches = field === variable.option || field.startsWith(`${variable.option}.`) || field.startsWith(`${variable.option}[`);
    if (matches && (best === undefined || variable.option.length > best.option.length)) best = setBy.get(variable.option) ?? variable;
  }
  if (best !== undefined) return best.name + field.slice(best.option.length);
  return TOKEN_ENVIRONMENT_VARIABLES.find((variable) => variable.option.startsWith(`${field}.`))?.name ?? field;
}
