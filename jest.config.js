/** One jest run over every package. Tests import other packages by name
 * (resolved to their built dist/), and their own package's code by relative
 * path (compiled on the fly by swc). `npm test` builds first. */
const swc = ['@swc/jest', { jsc: { parser: { syntax: 'typescript' }, target: 'es2022' }, module: { type: 'commonjs' } }];
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/libs', '<rootDir>/services', '<rootDir>/workflows', '<rootDir>/tools'],
  testMatch: ['**/test/**/*.test.ts'],
  testPathIgnorePatterns: ['/node_modules/', '/dist/'],
  modulePathIgnorePatterns: ['<rootDir>/.*/dist/.*/package.json'],
  transform: { '^.+\\.ts$': swc },
  testTimeout: 60000,
  globalSetup: '<rootDir>/libs/testing/jest.global-setup.js',
  // A Temporal worker left running by a failed test must not keep the run from ending.
  forceExit: true,
};
