import { Inject, type InjectionToken } from '@nestjs/common';

/** The DI token and the injection decorator of one provider a `TokenModule` registration exports. @internal */
export interface ClientInjection<T extends InjectionToken> {
  /** The DI token for the registration `name`: the provider's class itself for the unnamed one. */
  token(name?: string): string | T;
  /** `@Inject(token(name))`. */
  inject(name?: string): PropertyDecorator & ParameterDecorator;
}

/**
 * The `get…Token(name)` / `@Inject…(name)` pair of one provider: named registrations get the string
 * token `nestjs-client-credentials:<kind>:<name>`, namespaced so it cannot collide with an app's own
 * string tokens; the unnamed registration uses `unnamed` (the class).
 * @internal
 */
export function clientInjection<T extends InjectionToken>(unnamed: T, kind: string): ClientInjection<T> {
  const prefix = `nestjs-client-credentials:${kind}:`;
  const token = (name?: string): string | T => (name === undefined ? unnamed : `${prefix}${name}`);
  return { token, inject: (name) => Inject(token(name)) };
}
