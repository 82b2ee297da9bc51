// The `linux-aio` command itself: --version, a --help that lists every option
// the README's table documents, and bench's outputs checked before anything
// runs — each failure one line on stderr with an exit code, never a stack trace.
'use strict';
const fs = require('fs');
const path = require('path');
const { execFileSync } = require('child_process');
const { runNode, tmpDir, isRoot, skipNote } = require('../helpers');

const root = path.join(__dirname, '..', '..');
const CLI = path.join(root, 'dist', 'cli', 'main.js');
const cli = (args, options) => runNode([CLI, ...args], options);

// Nothing ran: no progress, no "creating", no table; one line of stderr.
function expectRefusedUpFront(r, pattern) {
  expect(r.stdout).toBe('');
  expect(r.stderr.trimEnd().split('\n')).toEqual([expect.stringMatching(pattern)]);
  expect(r.stderr).not.toMatch(/^\s+at /m);
  expect(r.status).toBe(1);
}

test('--version prints the package version', () => {
  const { version } = require(path.join(root, 'package.json'));
  for (const flag of ['--version', '-v']) {
    const r = cli([flag]);
    expect({ status: r.status, stdout: r.stdout, stderr: r.stderr }).toEqual({ status: 0, stdout: `${version}\n`, stderr: '' });
  }
});

test('--help lists every option of the documented table, and bench --help the same', () => {
  const readme = fs.readFileSync(path.join(root, 'docs', 'benchmark.md'), 'utf8');
  const table = readme.slice(readme.indexOf('| option | meaning | default |'));
  const rows = table.slice(0, table.indexOf('\n\n')).split('\n').slice(2);
  const documented = [...new Set(rows.flatMap((row) => [...row.split('|')[1].matchAll(/--[a-z-]+/g)].map((m) => m[0])))];
  expect(documented.length).toBeGreaterThanOrEqual(14);
  const top = cli(['--help']);
  const sub = cli(['bench', '--help']);
  expect(top.status).toBe(0);
  expect(sub.status).toBe(0);
  for (const option of [...documented, '--help']) {
    expect(top.stdout).toMatch(new RegExp(`^\\s+(-\\w, )?${option}\\b`, 'm'));
    expect(sub.stdout).toMatch(new RegExp(`^\\s+(-\\w, )?${option}\\b`, 'm'));
  }
  expect(top.stdout).toMatch(/--version/);
});

test('an unknown command: one line and the usage, exit 2', () => {
  const r = cli(['frobnicate']);
  expect(r.status).toBe(2);
  expect(r.stderr).toMatch(/^linux-aio: unknown command 'frobnicate'\nusage: /);
});

test('bench --report DIR: refused before the job file is made or any engine runs', () => {
  const dir = tmpDir();
  // With a minute per engine, a check made after the engines would time this out.
  const r = cli(['bench', '--size', '16m', '--runtime', '1m', '--report', dir], { timeout: 60000 });
  expectRefusedUpFront(r, new RegExp(`^linux-aio bench: cannot write --report ${dir}: it is a directory$`));
});

test('bench --report in a directory that does not exist, or under a file: refused up front', () => {
  const dir = tmpDir();
  const missing = path.join(dir, 'nope', 'r.html');
  expectRefusedUpFront(cli(['bench', '--size', '16m', '--report', missing]), /cannot write --report .*nope\/r\.html: its directory .* does not exist$/);
  fs.writeFileSync(path.join(dir, 'file'), '');
  expectRefusedUpFront(cli(['bench', '--size', '16m', '--report', path.join(dir, 'file', 'r.html')]), /cannot write --report .*: ENOTDIR: not a directory$/);
});

test('bench --json --report FILE still writes both when all is well (the checks leave no trace)', () => {
  const dir = tmpDir();
  const report = path.join(dir, 'r.html');
  const r = cli(['bench', '--size', '16m', '--runtime', '200ms', '--engines', 'aio', '--json', '--report', report]);
  expect(r.status).toBe(0);
  expect(JSON.parse(r.stdout).engines[0].engine).toBe('aio');
  expect(fs.readFileSync(report, 'utf8')).toMatch(/^<!DOCTYPE html>/i);
  expect(fs.readdirSync(dir)).toEqual(['r.html']);
});

describe('on a read-only filesystem (EROFS)', () => {
  let mnt = null;
  let why = isRoot ? null : 'not root: cannot mount a read-only filesystem';
  beforeAll(() => {
    if (!isRoot) return;
    const dir = tmpDir();
    try {
      execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=100m', 'linux-aio-ro', dir], { stdio: 'pipe' });
      fs.writeFileSync(path.join(dir, 'existing'), Buffer.alloc(1 << 20, 1));
      execFileSync('mount', ['-o', 'remount,ro', dir], { stdio: 'pipe' });
      mnt = dir;
    } catch (e) {
      why = `mount failed: ${String(e.stderr || e.message).trim()}`;
      try {
        execFileSync('umount', [dir], { stdio: 'pipe' });
      } catch {}
    }
  });
  afterAll(() => {
    if (mnt) execFileSync('umount', [mnt]);
  });

  test('--report there, --filename to be created there, --filename there with a writing job: one line each', () => {
    if (!mnt) return skipNote('EROFS checks of linux-aio bench', why);
    expectRefusedUpFront(cli(['bench', '--size', '16m', '--report', path.join(mnt, 'r.html')]), /^linux-aio bench: cannot write --report .*r\.html: EROFS: read-only file system$/);
    expectRefusedUpFront(
      cli(['bench', '--size', '1m', '--buffered', '--filename', path.join(mnt, 'new.dat')]),
      new RegExp(`^linux-aio bench: cannot create the job file in ${mnt}: EROFS: read-only file system$`),
    );
    expectRefusedUpFront(
      cli(['bench', '--size', '1m', '--buffered', '--rw', 'randwrite', '--allow-write', '--filename', path.join(mnt, 'existing')]),
      /^linux-aio bench: cannot write --filename .*existing: EROFS: read-only file system$/,
    );
    // Reading it is fine: a read-only filesystem serves a reading job.
    const r = cli(['bench', '--size', '1m', '--buffered', '--runtime', '200ms', '--engines', 'aio', '--filename', path.join(mnt, 'existing')]);
    expect(r.stderr).not.toMatch(/EROFS/);
    expect(r.status).toBe(0);
  });
});
