import { ConfigurableModuleBuilder } from '@nestjs/common';
import type { TokenModuleOptions } from './options/token-module-options.interface.js';

/** Extras of `forRoot` / `forRootAsync` that are not token options. */
export interface TokenModuleExtras {
  /** Register the module globally, so every module can inject its providers. Default false. */
  isGlobal?: boolean;
}

export const {
  ConfigurableModuleClass: ConfigurableTokenModule,
  MODULE_OPTIONS_TOKEN: TOKEN_MODULE_OPTIONS,
  OPTIONS_TYPE: TOKEN_MODULE_OPTIONS_TYPE,
  ASYNC_OPTIONS_TYPE: TOKEN_MODULE_ASYNC_OPTIONS_TYPE,
} = new ConfigurableModuleBuilder<TokenModuleOptions>({ moduleName: 'Token' })
  .setClassMethodName('forRoot')
  .setFactoryMethodName('createTokenModuleOptions')
  .setExtras<TokenModuleExtras>({ isGlobal: false }, (definition, extras) => ({ ...definition, global: extras.isGlobal }))
  .build();

/** Options of `TokenModule.forRoot()`: token options plus `isGlobal`. */
export type TokenModuleForRootOptions = typeof TOKEN_MODULE_OPTIONS_TYPE;
/** Options of `TokenModule.forRootAsync()`: `imports`, `inject`, `useFactory | useClass | useExisting`, `isGlobal`. */
export type TokenModuleAsyncOptions = typeof TOKEN_MODULE_ASYNC_OPTIONS_TYPE;
