// Property-based fuzz (fast-check) of every public function, bounded; `npm run
// fuzz -- --seconds N` runs it longer. The harness (fixtures/fuzz-harness.js)
// runs in a child process: its survival is one of the properties.
'use strict';
const path = require('path');
const { runNode } = require('../helpers');

const runs = process.env.LINUX_AIO_SANITIZED ? 600 : 2500;

test(`fuzz: ${runs} cases of hostile calls; survives, coded errors, canaries intact`, () => {
  const seed = (Date.now() ^ process.pid) & 0x7fffffff;
  const r = runNode([path.join(__dirname, '..', 'fixtures', 'fuzz-harness.js'), JSON.stringify({ runs, seed })], { timeout: 110000 });
  // stderr in the comparison: a crash says what it was (and the seed that made it)
  expect({ status: r.status, signal: r.signal, seed, stderr: r.status === 0 ? '' : r.stderr.slice(-3000) }).toEqual({ status: 0, signal: null, seed, stderr: '' });
  const out = JSON.parse(r.stdout.trim().split('\n').pop());
  console.log(`fuzz (seed ${out.seed}): ${out.runs} cases, ${out.counts.calls} calls (${out.counts.threw} threw, ` +
    `${out.counts.rejected} rejected, ${out.counts.resolved} succeeded, ${out.counts.posixCalls} POSIX) in ${out.seconds} s` +
    (out.failure ? `\nFAILED: replay with npm run fuzz -- --runs ${runs} --seed ${out.failure.seed}\n${out.failure.error}\n${out.failure.counterexample}` : ''));
  expect(out.failure).toBeNull();
  expect(out.runs).toBe(runs);
  expect(out.leftovers).toEqual([0, 0, 0]);
  expect(out.counts.calls).toBeGreaterThan(runs);
  // Every public function was reached.
  const fns = ['read', 'write', 'readv', 'writev', 'fsync', 'fdatasync', 'newContext', 'stats', 'allocAligned', 'directIoAlignment'];
  if (out.posix) fns.push('aio_read', 'aio_write', 'aio_fsync', 'aio_error', 'aio_return', 'aio_suspend', 'aio_cancel', 'lio_listio', 'lio_listioSync', 'aio_init');
  for (const fn of fns) expect([fn, out.counts.byFn[fn] > 0]).toEqual([fn, true]);
});

test.each([
  ['uncoded', /Error without a string code/],
  ['overrun', /canary after a view overwritten/],
])('the harness catches a deliberate bug (%s)', (sabotage, message) => {
  const r = runNode([path.join(__dirname, '..', 'fixtures', 'fuzz-harness.js'), JSON.stringify({ runs: 300, seed: 1, sabotage, noShrink: true })], { timeout: 60000 });
  expect(r.status).toBe(0);
  const out = JSON.parse(r.stdout.trim().split('\n').pop());
  expect(out.failure).not.toBeNull();
  expect(out.failure.error).toMatch(message);
});
