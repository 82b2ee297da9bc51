// The package entry points, as a user loads them.
'use strict';
const path = require('path');
const { runNode } = require('../helpers');

test('require gives the named exports', () => {
  const m = require('linux-aio');
  expect(typeof m.AioContext).toBe('function');
  expect(typeof m.allocAligned).toBe('function');
  expect(typeof m.directIoAlignment).toBe('function');
  expect(typeof m.AbortError).toBe('function');
});

test('import gives the same named exports, and the same instances', () => {
  const r = runNode(['--input-type=module', '-e', `
    import * as esm from 'linux-aio';
    import { createRequire } from 'module';
    const cjs = createRequire(import.meta.url)('linux-aio');
    const names = Object.keys(cjs).sort();
    const esmNames = Object.keys(esm).filter((k) => k !== 'default').sort();
    console.log(JSON.stringify({ same: JSON.stringify(names) === JSON.stringify(esmNames), names, esmNames,
      shared: names.every((n) => esm[n] === cjs[n]) }));
  `], { cwd: path.join(__dirname, '..', '..') });
  expect(r.stderr).toBe('');
  const out = JSON.parse(r.stdout);
  expect(out.esmNames).toEqual(out.names);
  expect(out.shared).toBe(true);
});
