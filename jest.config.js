/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.json' }] },
  testSequencer: '<rootDir>/test/support/longestFirst.js',
  setupFiles: ['<rootDir>/test/setup/polyfills.ts'],
  // Three workers on 2 cores: the longest files mostly wait on real time (a one-minute lesson, Chromium's page
  // polls, boots), so a third worker fills the idle CPU; the CPU-bound files (CDK synthesis, the simulation)
  // are short next to them.
  maxWorkers: 3,
  testTimeout: 60000,
};
