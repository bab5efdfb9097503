#!/usr/bin/env node
// Launcher for the `tessera` command. Builds the workspace on first use (a fresh
// clone after `npm install`), then hands over to the compiled CLI.
'use strict';
const { existsSync } = require('node:fs');
const { join } = require('node:path');
const { execFileSync } = require('node:child_process');

const main = join(__dirname, '..', 'dist', 'main.js');
if (!existsSync(main)) {
  const root = join(__dirname, '..', '..', '..');
  try {
    execFileSync(process.execPath, [join(root, 'tools', 'build.mjs')], { cwd: root, stdio: ['ignore', 2, 2] });
  } catch {
    console.error('tessera: the build failed; run `npm run build` in the repository to see why');
    process.exit(1);
  }
}
require(main).main(process.argv.slice(2));
