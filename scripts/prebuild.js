#!/usr/bin/env node
// `npm run prebuild`: prebuildify --napi --strip → prebuilds/<platform>-<arch>/linux-aio.node,
// one N-API binary for every Node version, which node-gyp-build loads when the
// package has no local build (an installed package).
//
// prebuildify runs `node-gyp rebuild` in the directory it is given and then moves
// the binary out of build/Release. Run in place, that would wipe this checkout's
// own build while tests may be using it; so it runs on a copy of the native
// sources in a temporary directory, writing only prebuilds/ here.
'use strict';
const { execFileSync } = require('child_process');
const fs = require('fs');
const os = require('os');
const path = require('path');

const root = path.join(__dirname, '..');
const stage = fs.mkdtempSync(path.join(os.tmpdir(), 'linux-aio-prebuild-'));
try {
  fs.cpSync(path.join(root, 'src-native'), path.join(stage, 'src-native'), { recursive: true });
  fs.copyFileSync(path.join(root, 'binding.gyp'), path.join(stage, 'binding.gyp'));
  fs.copyFileSync(path.join(root, 'package.json'), path.join(stage, 'package.json'));
  // binding.gyp finds node-addon-api, and prebuildify finds node-gyp, through node_modules.
  fs.symlinkSync(path.join(root, 'node_modules'), path.join(stage, 'node_modules'), 'dir');
  const prebuildify = require.resolve('prebuildify/bin.js', { paths: [root] });
  execFileSync(process.execPath, [prebuildify, '--napi', '--strip', '--out', root, ...process.argv.slice(2)], {
    cwd: stage,
    stdio: 'inherit',
    env: { ...process.env, JOBS: process.env.JOBS || String(os.availableParallelism()) },
  });
} finally {
  fs.rmSync(stage, { recursive: true, force: true });
}
const dir = path.join(root, 'prebuilds', `${process.platform}-${process.arch}`);
for (const f of fs.readdirSync(dir)) console.log(`prebuild: ${path.relative(root, path.join(dir, f))} (${fs.statSync(path.join(dir, f)).size} bytes)`);
