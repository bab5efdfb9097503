// One Jest run over every project. Sources are imported through their
// TypeScript entry points (no prior build needed for TS), transpiled per file;
// type checking is done once by `tsc -b` in tools/build.mjs.
const { existsSync } = require('node:fs');
const { join } = require('node:path');

// The reference outputs live in shared/ beside the checkout (../shared/golden/micro).
// Workers inherit this variable; TESSERA_GOLDEN_DIR set by the caller wins.
if (!process.env.TESSERA_GOLDEN_DIR) {
  const candidates = [join(__dirname, '..', 'shared', 'golden', 'micro'), '/work/shared/golden/micro'];
  const found = candidates.find((dir) => existsSync(join(dir, 'micro-f32.gguf')));
  if (found) process.env.TESSERA_GOLDEN_DIR = found;
}

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
