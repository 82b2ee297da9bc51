// Data integrity under load, short version (npm run soak -- --minutes N for the
// long one): random-size writes and reads at depth 128 over an O_DIRECT and a
// buffered file, every block checked against a model (fixtures/soak-engine.js,
// run in a child process by fixtures/soak-run.js).
'use strict';
const os = require('os');
const path = require('path');
const { runNode, directSupported, skipNote, tmpDir } = require('../helpers');

const seconds = process.env.LINUX_AIO_SANITIZED ? 4 : 8;
const script = path.join(__dirname, '..', 'fixtures', 'soak-run.js');

function run(options) {
  const r = runNode([script, JSON.stringify(options)], { timeout: 120000 });
  expect(r.stderr).toBe('');
  expect(r.status).toBe(0);
  return JSON.parse(r.stdout);
}

test(`soak: ${seconds} s at depth 128, no mismatch`, () => {
  const direct = directSupported(tmpDir());
  if (!direct) skipNote('soak over O_DIRECT', `${os.tmpdir()} does not take O_DIRECT: buffered file only`);
  const seed = (Date.now() ^ process.pid) & 0x7fffffff;
  const f = run({ seconds, depth: 128, blocks: 2048, seed, direct });
  console.log(`soak (seed ${seed}): ${f.requests} requests (${f.writes} writes, ${f.reads} reads, ${f.vectored} vectored, ${f.syncs} syncs) ` +
    `in ${f.seconds} s over ${f.files.join(' and ')}; ${(f.bytesWritten / 1048576).toFixed(0)} MiB written, ` +
    `${(f.bytesRead / 1048576).toFixed(0)} MiB read, ${f.blocksVerified} blocks verified, ${f.fullChecks} full-file checks; ` +
    `${f.problemCount} mismatches`);
  expect(f.problems).toEqual([]);
  expect(f.requests).toBeGreaterThan(1000);
  expect(f.blocksVerified).toBeGreaterThan(1000);
  expect(f.fullChecks).toBeGreaterThanOrEqual(2);
  expect(f.stats.completed).toBe(f.stats.submitted);
  if (direct) expect(f.files).toHaveLength(2);
});

test('the checker itself notices one changed byte', () => {
  const f = run({ seconds: 0.5, depth: 16, blocks: 256, seed: 42, direct: directSupported(tmpDir()), tamper: true });
  expect(f.problemCount).toBe(1);
  expect(f.problems[0]).toMatch(/checksum mismatch|body differs/);
});
