// Jest config of the cluster tier (test/cluster/run.sh runs it; the main jest config ignores test/cluster).
const path = require('path');

/** @type {import('jest').Config} */
module.exports = {
  rootDir: path.resolve(__dirname, '..', '..'),
  testMatch: ['<rootDir>/test/cluster/**/*.test.ts'],
  transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: '<rootDir>/tsconfig.json' }] },
  testEnvironment: 'node',
  // one apiserver, shared: files run one after the other
  maxWorkers: 1,
  testTimeout: 180000,
  verbose: true,
};
