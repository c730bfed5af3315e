import { HttpService } from '@nestjs/axios';
import { ConfigurableModuleBuilder, type DynamicModule, type Provider } from '@nestjs/common';
import { TokenConfigError } from './errors/token-config.error.js';
import { getDpopServiceToken } from './dpop/dpop-service.token.js';
import { DpopService } from './dpop/dpop.service.js';
import { TokenManagerService } from './manager/token-manager.service.js';
import { getTokenHttpServiceToken } from './http/token-http-service.token.js';
import { getAuthorizedFetchToken } from './fetch/authorized-fetch.token.js';
import { getTokenManagerToken } from './manager/token-manager.token.js';
import type { TokenModuleOptions } from './options/token-module-options.interface.js';
import { guardOptionsProvider } from './registration/guard-options-provider.js';
import { clientNameProviders } from './registration/unique-client-name.js';

/** Extras of `forRoot` / `forRootAsync` that are not token options. */
export interface TokenModuleExtras {
  /** Register the module globally, so every module can inject its providers. Default false. */
  isGlobal?: boolean | undefined;
  /**
   * Name of this client, for apps with several: its manager is injected with
   * `@InjectTokenManager(name)` / `getTokenManagerToken(name)`. Without a name the manager is the
   * `TokenManagerService` class itself.
   */
  name?: string | undefined;
}

export const {
  ConfigurableModuleClass: ConfigurableTokenModule,
  MODULE_OPTIONS_TOKEN: TOKEN_MODULE_OPTIONS,
  OPTIONS_TYPE: TOKEN_MODULE_OPTIONS_TYPE,
  ASYNC_OPTIONS_TYPE: TOKEN_MODULE_ASYNC_OPTIONS_TYPE,
} = new ConfigurableModuleBuilder<TokenModuleOptions>({ moduleName: 'Token' })
  .setClassMethodName('forRoot')
  .setFactoryMethodName('createTokenModuleOptions')
  .setExtras<TokenModuleExtras>({ isGlobal: false, name: undefined }, (definition, extras) =>
    registerClient({ ...definition, global: extras.isGlobal ?? false }, extras.name),
  )
  .build();

/**
 * Exports the manager, the authorized HttpService and fetch under the client's tokens: the classes for the
 * unnamed client, named tokens otherwise, so any number of named registrations live side by side
 * without clashing (two with the same name fail at startup). The options provider is guarded (see
 * `guardOptionsProvider`): its options print redacted, and its failures name the registration.
 */
function registerClient(input: DynamicModule, name: string | undefined): DynamicModule {
  if (name !== undefined && (typeof name !== 'string' || name.trim() === ''))
    throw new TokenConfigError([{ field: 'name', message: 'must be a non-empty string when set' }]);
  const definition = {
    ...input,
    providers: (input.providers ?? []).flatMap((provider) =>
      isOptionsProvider(provider) ? guardOptionsProvider(provider, name) : [provider],
    ),
  };
  if (name === undefined)
    return {
      ...definition,
      exports: [...(definition.exports ?? []), TokenManagerService, HttpService, DpopService, getAuthorizedFetchToken()],
    };
  const token = getTokenManagerToken(name);
  const httpToken = getTokenHttpServiceToken(name);
  const dpopToken = getDpopServiceToken(name);
  const fetchToken = getAuthorizedFetchToken(name);
  return {
    ...definition,
    providers: [
      ...definition.providers,
      ...clientNameProviders(name),
      { provide: token, useExisting: TokenManagerService },
      { provide: httpToken, useExisting: HttpService },
      { provide: dpopToken, useExisting: DpopService },
      { provide: fetchToken, useExisting: getAuthorizedFetchToken() },
    ],
    exports: [...(definition.exports ?? []), token, httpToken, dpopToken, fetchToken],
  };
}

function isOptionsProvider(provider: Provider): boolean {
  return typeof provider === 'object' && provider !== null && 'provide' in provider && provider.provide === TOKEN_MODULE_OPTIONS;
}

/** Options of `TokenModule.forRoot()`: token options plus `isGlobal` and `name`. */
export type TokenModuleForRootOptions = typeof TOKEN_MODULE_OPTIONS_TYPE;
/** Options of `TokenModule.forRootAsync()`: `imports`, `inject`, `useFactory | useClass | useExisting`, `isGlobal`, `name`. */
export type TokenModuleAsyncOptions = typeof TOKEN_MODULE_ASYNC_OPTIONS_TYPE;
