/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.json' }] },
  testSequencer: '<rootDir>/test/support/longestFirst.js',
  setupFiles: ['<rootDir>/test/setup/polyfills.ts'],
  // CDK synthesis and the local engine are slow on 2 cores; keep one worker per core.
  maxWorkers: 2,
  testTimeout: 60000,
};
