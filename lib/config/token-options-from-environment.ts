import { TokenConfigError, type TokenConfigProblem } from '../errors/token-config.error.js';
import type { TokenModuleOptions } from '../options/token-module-options.interface.js';
import { validateTokenOptions } from '../options/validate-token-options.js';
import { TOKEN_ENVIRONMENT_SCHEMAS } from './token-environment.schema.js';
import { TOKEN_ENVIRONMENT_VARIABLES, type TokenEnvironmentVariable } from './token-environment.variables.js';

/**
 * Reads `TokenModuleOptions` from environment variables (see `TOKEN_ENVIRONMENT_VARIABLES`).
 *
 * Each variable is parsed by its schema, then the options go through the module's own validation,
 * so a bad environment fails once, with a `TokenConfigError` whose problems name every bad variable
 * and say why. Values are never quoted: a variable may hold a secret.
 */
export function tokenOptionsFromEnvironment(env: Readonly<Record<string, string | undefined>>): TokenModuleOptions {
  const problems: TokenConfigProblem[] = [];
  const options: Record<string, unknown> = {};
  for (const variable of TOKEN_ENVIRONMENT_VARIABLES) {
    const text = env[variable.name];
    if (text === undefined || text === '') continue;
    const result = TOKEN_ENVIRONMENT_SCHEMAS[variable.kind].safeParse(text);
    if (!result.success) {
      for (const issue of result.error.issues) problems.push({ field: variable.name, message: issue.message });
      continue;
    }
    const switchedOff = switchedOffParent(options, variable.option);
    if (switchedOff !== undefined) problems.push({ field: variable.name, message: `is set, but ${switchedOff.name} is false` });
    else setPath(options, variable.option, result.data);
  }
  generateDpopKeyWhenSwitchedOn(options, env);
  try {
    validateTokenOptions(options);
  } catch (error) {
    if (!(error instanceof TokenConfigError)) throw error;
    problems.push(...error.problems.map((problem) => ({ field: variableOf(problem.field), message: problem.message })));
  }
  if (problems.length > 0) throw new TokenConfigError(problems, 'environment');
  return options as unknown as TokenModuleOptions;
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
    target[head!] = value;
    return;
  }
  if (typeof target[head!] !== 'object' || target[head!] === null) target[head!] = {};
  setPath(target[head!] as Record<string, unknown>, rest.join('.'), value);
}

/** The switch variable set to false above a nested option path, if any. */
function switchedOffParent(options: Record<string, unknown>, path: string): TokenEnvironmentVariable | undefined {
  const dot = path.indexOf('.');
  if (dot < 0 || options[path.slice(0, dot)] !== false) return undefined;
  return TOKEN_ENVIRONMENT_VARIABLES.find((variable) => variable.option === path.slice(0, dot));
}

/** `resource[1]` → `OAUTH2_RESOURCE[1]`: the variable whose option path is the longest prefix of the field. */
function variableOf(field: string): string {
  let best: TokenEnvironmentVariable | undefined;
  for (const variable of TOKEN_ENVIRONMENT_VARIABLES) {
    const matches = field === variable.option || field.startsWith(`${variable.option}.`) || field.startsWith(`${variable.option}[`);
    if (matches && (best === undefined || variable.option.length > best.option.length)) best = variable;
  }
  return best ? best.name + field.slice(best.option.length) : field;
}
