#!/usr/bin/env node
// Compiles lib/ to dist/ and adds the ES module entry (a thin re-export of the
// CommonJS build, so both entry points share one instance).
'use strict';
const { execFileSync } = require('child_process');
const fs = require('fs');
const path = require('path');

const root = path.join(__dirname, '..');
const tsc = require.resolve('typescript/bin/tsc');
execFileSync(process.execPath, [tsc, '-p', path.join(root, 'tsconfig.json')], { stdio: 'inherit' });
fs.copyFileSync(path.join(root, 'lib', 'index.mjs'), path.join(root, 'dist', 'index.mjs'));
fs.copyFileSync(path.join(root, 'lib', 'fs', 'index.mjs'), path.join(root, 'dist', 'fs', 'index.mjs'));
fs.chmodSync(path.join(root, 'dist', 'cli', 'main.js'), 0o755);
