import type { Provider } from '@nestjs/common';
import { ModulesContainer } from '@nestjs/core';
import { TokenConfigError } from '../errors/token-config.error.js';
import { TOKEN_CLIENT_NAME } from '../core/injection-tokens.js';
import { nameStartupError } from './name-startup-error.js';

/** Marks the module of the registration named `name`; one per name and application. */
const registrationMarker = (name: string): string => `nestjs-client-credentials:registration:${name}`;

/**
 * The providers that give a named registration its name, and fail its startup when another
 * registration of the same application has the same name: both would export the same tokens
 * (`getTokenManagerToken(name)`, ...), and which one a consumer got would depend on import order.
 * The same `forRoot(...)` result imported from several modules is one registration (Nest builds it
 * once), so it passes; two `forRoot` calls are two registrations, even with equal options (unless
 * Nest's opt-in `deep-hash` module ids merge equal ones into one).
 * @internal
 */
export function clientNameProviders(name: string): Provider[] {
  const marker = registrationMarker(name);
  return [
    { provide: marker, useValue: name },
    {
      provide: TOKEN_CLIENT_NAME,
      inject: [ModulesContainer],
      useFactory: (modules: ModulesContainer) => {
        const registrations = [...modules.values()].filter((module) => module.providers.has(marker)).length;
        if (registrations > 1) {
          const problem = {
            field: 'name',
            message: `is used by ${registrations} registrations: give each client its own name, or register it once and import that registration where it is needed (isGlobal, or a module that exports it)`,
          };
          throw nameStartupError(new TokenConfigError([problem], 'TokenModule registrations'), name);
        }
        return name;
      },
    },
  ];
}
