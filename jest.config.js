/** Jest 30 in native ESM mode (NestJS 12 is ESM-only): run with NODE_OPTIONS=--experimental-vm-modules. */
export default {
  testEnvironment: 'node',
  extensionsToTreatAsEsm: ['.ts'],
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  transform: { '^.+\\.ts$': ['ts-jest', { useESM: true, tsconfig: 'tsconfig.json' }] },
  testMatch: ['<rootDir>/test/**/*.spec.ts'],
  // The consumer apps are separate projects with their own Jest; scripts/consumer-apps.mjs runs them.
  testPathIgnorePatterns: ['/node_modules/', '<rootDir>/test/consumers/', '<rootDir>/.tmp/'],
  modulePathIgnorePatterns: ['<rootDir>/.tmp/'],
  testTimeout: 30000,
  setupFiles: ['<rootDir>/test/support/quiet-oidc-provider.ts'],
};
