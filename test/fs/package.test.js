// The linux-aio/fs entry points: require, import (the same instances), types.
'use strict';
const fs = require('fs');
const path = require('path');
const { runNode } = require('../helpers');

const root = path.join(__dirname, '..', '..');

test('require and import give the same named exports and instances', () => {
  const r = runNode(['--input-type=module', '-e', `
    import * as esm from 'linux-aio/fs';
    import { createRequire } from 'module';
    const cjs = createRequire(import.meta.url)('linux-aio/fs');
    const names = Object.keys(cjs).sort();
    const esmNames = Object.keys(esm).filter((k) => k !== 'default').sort();
    console.log(JSON.stringify({ names, esmNames, shared: names.every((n) => esm[n] === cjs[n]) }));
  `], { cwd: root });
  expect(r.stderr).toBe('');
  const out = JSON.parse(r.stdout);
  expect(out.esmNames).toEqual(out.names);
  expect(out.shared).toBe(true);
  for (const n of ['open', 'readFile', 'writeFile', 'appendFile', 'AioFileHandle', 'constants']) expect(out.names).toContain(n);
});

test('the package exports ./fs with types, and the types declare the API', () => {
  const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));
  const entry = pkg.exports['./fs'];
  expect(entry).toBeDefined();
  const types = fs.readFileSync(path.join(root, entry.require.types), 'utf8');
  expect(fs.readFileSync(path.join(root, entry.import.types), 'utf8')).toMatch(/export \* from '\.\/index\.js'/);
  expect(types).toMatch(/open/);
  const handle = fs.readFileSync(path.join(root, 'dist', 'fs', 'handle.d.ts'), 'utf8');
  for (const m of ['read', 'write', 'readv', 'writev', 'readFile', 'writeFile', 'appendFile', 'sync', 'datasync', 'stat', 'truncate', 'close', 'createReadStream', 'createWriteStream']) {
    expect(handle).toMatch(new RegExp(`\\b${m}[<(]`));
  }
  expect(handle).not.toMatch(/_xfer/); // internals stay out of the types
});
