import type { InjectionToken, OptionalFactoryDependency, Provider } from '@nestjs/common';
import { createHmac, randomBytes } from 'node:crypto';
import { TokenConfigError } from '../errors/token-config.error.js';
import { withRedactedPrinting } from '../options/printable-options.js';
import { namingFailures } from './name-startup-error.js';

type Dependency = InjectionToken | OptionalFactoryDependency;

/**
 * The options provider of one registration (`TOKEN_MODULE_OPTIONS`), made to fail clearly and print
 * safely: the options it holds print their secrets as `[redacted]` (see `withRedactedPrinting`), and a
 * `forRootAsync` dependency that cannot be resolved (`inject: [ConfigService]` without
 * `imports: [ConfigModule]`) fails with a `TokenConfigError` naming the registration and the missing
 * provider, instead of Nest's "can't resolve dependencies of TOKEN_MODULE_OPTIONS".
 * @internal
 */
export function guardOptionsProvider(provider: Provider, name: string | undefined): Provider[] {
  if (typeof provider !== 'object' || provider === null) return [provider];
  if ('useValue' in provider) {
    const useValue: unknown = provider.useValue;
    return [
      { ...provider, useValue: withRedactedPrinting(useValue) },
      { provide: OPTIONS_FINGERPRINT, useValue: fingerprint(useValue) },
    ];
  }
  if (!('useFactory' in provider)) return [provider];
  const { useFactory, inject = [] } = provider;
  const dependencies = inject as Dependency[];
  return [
    {
      ...provider,
      // Optional, so a missing provider reaches the factory as undefined and is reported here by name.
      inject: dependencies.map((dependency) => (isInjectionToken(dependency) ? { token: dependency, optional: true } : dependency)),
      useFactory: (...args: unknown[]) =>
        namingFailures(name, async () => {
          const missing = dependencies.flatMap((dependency, index) =>
            isInjectionToken(dependency) && args[index] === undefined ? [{ dependency, index }] : [],
          );
          if (missing.length > 0) {
            throw new TokenConfigError(
              missing.map(({ dependency, index }) => ({
                field: `inject[${index}]`,
                message: `${describeToken(dependency)} cannot be resolved here: add the module that exports it to this registration's imports (for ConfigService: imports: [ConfigModule])`,
              })),
              name === undefined ? 'TokenModule.forRootAsync options' : 'forRootAsync options',
            );
          }
          const options: unknown = await useFactory(...args);
          return withRedactedPrinting(options);
        }),
    },
  ];
}

/** Stands in for the options' full content in the module's metadata; see `fingerprint`. */
const OPTIONS_FINGERPRINT = Symbol('TOKEN:OPTIONS_FINGERPRINT');
const FINGERPRINT_KEY = randomBytes(32);

/**
 * An HMAC of the options, secrets included, under a key that never leaves the process. Nest's
 * `deep-hash` module identity serialises a module's providers, and the redacted options serialise
 * alike when only a secret (or an `extraParams` value) differs: the fingerprint keeps two such
 * registrations two modules, as the raw options did, without printing anything of the secrets.
 */
function fingerprint(options: unknown): string {
  try {
    const text = JSON.stringify(options, (_key, value: unknown) => (typeof value === 'function' ? String(value) : value));
    return createHmac('sha256', FINGERPRINT_KEY)
      .update(text ?? '')
      .digest('base64url');
  } catch {
    return randomBytes(16).toString('base64url'); // not serialisable: a registration of its own, as Nest would make it
  }
}

/** A plain token; `{ token, optional }` entries and forward references are left as the user wrote them. */
function isInjectionToken(dependency: Dependency): dependency is InjectionToken {
  return typeof dependency !== 'object' || dependency === null;
}

function describeToken(token: InjectionToken): string {
  if (typeof token === 'function') return token.name || 'an anonymous class';
  return typeof token === 'symbol' ? token.toString() : `"${String(token)}"`;
}
