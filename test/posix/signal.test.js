// SIGEV_SIGNAL: a real signal queued to this process, seen by process.on().
'use strict';
const path = require('path');
const { runNode } = require('../helpers');

test('per-request and list signals reach a real handler', () => {
  const r = runNode([path.join(__dirname, 'fixtures', 'signals.js')], { timeout: 30000 });
  expect(r.stderr).toBe('');
  expect(r.status).toBe(0);
  const out = JSON.parse(r.stdout);
  expect(out.single).toBe(1); // one aio_write, one SIGUSR2
  expect(out.group).toBe(1); // the list's SIGWINCH, once
  expect(out.entries).toBeGreaterThanOrEqual(1); // standard signals may merge while pending
  expect(out.statusesAtGroup.every((s) => s === 0)).toBe(true);
});
