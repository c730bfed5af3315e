import { closestName } from '../internal/closest-name.js';
import { TOKEN_ENVIRONMENT_VARIABLES } from './token-environment.variables.js';

/** A set `OAUTH2_*` variable `tokenConfig` does not read, and the known variable it most likely misspells. @internal */
export interface UnknownEnvironmentVariable {
  readonly name: string;
  readonly closest?: string;
}

const KNOWN_NAMES = TOKEN_ENVIRONMENT_VARIABLES.map((variable) => variable.name);

/** Every set (non-empty) `OAUTH2_*` variable that is not one of `TOKEN_ENVIRONMENT_VARIABLES`. @internal */
export function unknownEnvironmentVariables(env: Readonly<Record<string, string | undefined>>): UnknownEnvironmentVariable[] {
  return Object.keys(env)
    .filter((name) => name.startsWith('OAUTH2_') && env[name] !== undefined && env[name] !== '' && !KNOWN_NAMES.includes(name))
    .sort()
    .map((name) => {
      const closest = closestName(name, KNOWN_NAMES);
      return closest === undefined ? { name } : { name, closest };
    });
}

/** The startup warning about one unknown variable. @internal */
export function unknownVariableWarning({ name, closest }: UnknownEnvironmentVariable): string {
  return `${name} is set, but tokenConfig does not read it${closest === undefined ? ' (see docs/configuration.md for the OAUTH2_* variables)' : `; did you mean ${closest}?`}`;
}
