// `npm run floor` (scripts/depth1-floor/): its C program and thinnest addon
// build with cc, and one short run prints every way with a measured ratio;
// bad arguments get one line and exit code 2.
'use strict';
const fs = require('fs');
const path = require('path');
const { execFileSync } = require('child_process');
const { runNode, tmpDir, skipNote, directSupported } = require('../helpers');

const RUN = path.join(__dirname, '..', '..', 'scripts', 'depth1-floor', 'run.js');

function hasCompiler() {
  try {
    execFileSync(process.env.CC || 'cc', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

test('one short run measures every way against fio (or the bare C loop without fio)', () => {
  const dir = tmpDir();
  if (!directSupported(dir)) return skipNote('floor', `${dir} takes no O_DIRECT`);
  if (!hasCompiler()) return skipNote('floor', 'no C compiler (cc) on PATH');
  const file = path.join(dir, 'floor.dat');
  const fd = fs.openSync(file, 'w');
  const chunk = Buffer.alloc(1 << 20, 0xa5);
  for (let i = 0; i < 64; i++) fs.writeSync(fd, chunk);
  fs.fsyncSync(fd);
  fs.closeSync(fd);

  const r = runNode([RUN, file, '--rounds', '1', '--ms', '100'], { timeout: 120000 });
  expect(r.stderr).toBe('');
  expect(r.status).toBe(0);
  const rows = r.stdout.trimEnd().split('\n').slice(2);
  const names = ['fio (libaio)', 'C 0:', 'C 1:', 'C 2:', 'C 3:', 'Node, thinnest addon', 'linux-aio ctx.read'];
  expect(rows.map((row) => names.find((n) => row.startsWith(n)))).toEqual(names);
  for (const row of rows) {
    if (row.startsWith('fio') && row.includes('did not run')) continue;
    // IOPS, ratio, CPU per request, ratio: all measured, all positive.
    const nums = row.slice(34).trim().split(/\s+/).map(Number);
    expect(nums).toHaveLength(4);
    for (const n of nums) expect(n).toBeGreaterThan(0);
  }
});

test('bad arguments: one line of usage and exit code 2', () => {
  for (const args of [[], ['--rounds', '0', 'x'], ['--ms', '5', 'x'], ['a', 'b'], ['--what', 'x']]) {
    const r = runNode([RUN, ...args]);
    expect(r.status).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr.trimEnd().split('\n')).toEqual([expect.stringMatching(/usage: npm run floor/)]);
    expect(r.stderr).not.toMatch(/^\s+at /m);
  }
});

test('a file it cannot use: one line and exit code 1, before anything runs', () => {
  const dir = tmpDir();
  if (!directSupported(dir)) return skipNote('floor', `${dir} takes no O_DIRECT`);
  const sparse = path.join(dir, 'sparse.dat');
  fs.writeFileSync(sparse, '');
  fs.truncateSync(sparse, 100 * 2 ** 20);
  const small = path.join(dir, 'small.dat');
  fs.writeFileSync(small, Buffer.alloc(4096));
  for (const [file, why] of [
    [path.join(dir, 'missing'), /ENOENT/],
    [small, /needs at least 64 MiB/],
    [sparse, /sparse/],
  ]) {
    const r = runNode([RUN, file]);
    expect(r.status).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr.trimEnd().split('\n')).toEqual([expect.stringMatching(why)]);
  }
});
