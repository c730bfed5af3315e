/**
 * `nestjs-client-credentials/testing`: test your services without an IdP.
 * @packageDocumentation
 */
export { TokenTestingModule, type TokenTestingModuleOptions } from './token-testing.module.js';
export { createTokenManagerMock, DEFAULT_TEST_ACCESS_TOKEN, TokenManagerMock, type TokenManagerSurface } from './token-manager.mock.js';
export type { TokenTestingScript } from './token-testing-script.interface.js';
