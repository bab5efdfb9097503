// One Jest run over every project. Sources are imported through their
// TypeScript entry points (no prior build needed for TS), transpiled per file;
// type checking is done once by `tsc -b` in tools/build.mjs.
/** @type {import('jest').Config} */
module.exports = {
  rootDir: __dirname,
  testEnvironment: 'node',
  testMatch: ['<rootDir>/{apps,libs,test,tools}/**/*.spec.ts'],
  testPathIgnorePatterns: ['/node_modules/', '/dist/'],
  transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: '<rootDir>/tsconfig.spec.json' }] },
  moduleNameMapper: { '^@tessera/(.*)$': '<rootDir>/libs/$1/src' },
  testTimeout: 60000,
  maxWorkers: 2,
};
