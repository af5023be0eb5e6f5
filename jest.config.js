/** Suites that start Temporal servers run in band (see package.json "test"). */
module.exports = {
  preset: 'ts-jest',
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  testTimeout: 120_000,
  // One workflow bundle for the whole run instead of one webpack build per worker (test/helpers/workflow-bundle.ts).
  globalSetup: '<rootDir>/test/helpers/global-setup.ts',
  globalTeardown: '<rootDir>/test/helpers/global-teardown.ts',
  // Temporal's native runtime keeps a thread-safe handle open after all workers and servers are shut
  // down (sdk-typescript #928): without this, jest would wait on it forever after a green run.
  forceExit: true,
};
