#!/usr/bin/env node
// Compiles lib/ to dist/ and adds the ES module entry (a thin re-export of the
// CommonJS build, so both entry points share one instance) with its .d.mts.
'use strict';
const { execFileSync } = require('child_process');
const fs = require('fs');
const path = require('path');

const root = path.join(__dirname, '..');
const tsc = require.resolve('typescript/bin/tsc');
execFileSync(process.execPath, [tsc, '-p', path.join(root, 'tsconfig.json')], { stdio: 'inherit' });
fs.copyFileSync(path.join(root, 'lib', 'index.mjs'), path.join(root, 'dist', 'index.mjs'));
// And its types, for `import` consumers (a .d.ts would type it as CommonJS).
fs.copyFileSync(path.join(root, 'lib', 'index.d.mts'), path.join(root, 'dist', 'index.d.mts'));
fs.copyFileSync(path.join(root, 'lib', 'fs', 'index.mjs'), path.join(root, 'dist', 'fs', 'index.mjs'));
fs.copyFileSync(path.join(root, 'lib', 'fs', 'index.d.mts'), path.join(root, 'dist', 'fs', 'index.d.mts'));
fs.chmodSync(path.join(root, 'dist', 'cli', 'main.js'), 0o755);
