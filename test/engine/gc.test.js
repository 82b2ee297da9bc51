// Garbage collection under load: buffers and contexts dropped by the caller.
'use strict';
const path = require('path');
const { runNode } = require('../helpers');

test('data stays correct and dropped contexts are released (--expose-gc)', () => {
  const r = runNode(['--expose-gc', path.join(__dirname, '..', 'fixtures', 'gc-load.js')], { timeout: 60000 });
  expect(r.stderr).toBe('');
  expect(r.status).toBe(0);
  const out = JSON.parse(r.stdout);
  expect(out.done).toBe(2000);
  expect(out.bad).toBe(0);
  expect(out.peak).toBeGreaterThanOrEqual(out.start + 100);
  expect(out.end).toBeLessThanOrEqual(out.start);
});
