// Shared test helpers: real files under os.tmpdir(), deterministic data.
'use strict';
const fs = require('fs');
const os = require('os');
const path = require('path');
const { spawnSync } = require('child_process');

const dirs = [];

/** A fresh directory under os.tmpdir(), removed when the test file ends. */
function tmpDir() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'linux-aio-test-'));
  dirs.push(dir);
  return dir;
}

/** Opens a new file in a fresh temporary directory. */
function tmpFile(flags = 'w+', name = 'data') {
  const file = path.join(tmpDir(), name);
  const fd = fs.openSync(file, flags);
  return { file, fd };
}

/** Deterministic bytes: a different sequence for every seed. */
function pattern(length, seed = 1) {
  const buf = Buffer.alloc(length);
  let x = (seed * 2654435761) >>> 0 || 1;
  for (let i = 0; i < length; i++) {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    buf[i] = x & 0xff;
  }
  return buf;
}

const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;

/** Logs why a test is skipped, so that the output says so. */
function skipNote(what, why) {
  // eslint-disable-next-line no-console
  console.log(`SKIPPED: ${what}: ${why}`);
}

/** Runs a node script in a child process; returns { status, stdout, stderr }. */
function runNode(args, options = {}) {
  const r = spawnSync(process.execPath, args, {
    encoding: 'utf8',
    timeout: options.timeout ?? 120000,
    env: { ...process.env, ...(options.env || {}) },
    cwd: options.cwd,
  });
  return { status: r.status, signal: r.signal, stdout: r.stdout, stderr: r.stderr };
}

/** The O_DIRECT flag, and whether this directory's filesystem takes it. */
function directSupported(dir) {
  const file = path.join(dir, 'probe-direct');
  try {
    fs.closeSync(fs.openSync(file, fs.constants.O_CREAT | fs.constants.O_RDWR | fs.constants.O_DIRECT));
    return true;
  } catch {
    return false;
  } finally {
    fs.rmSync(file, { force: true });
  }
}

afterAll(() => {
  for (const dir of dirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

module.exports = { tmpDir, tmpFile, pattern, isRoot, skipNote, runNode, directSupported };

/** Kernel AIO contexts of this process: each maps one "[aio]" ring. */
function aioRings() {
  return require('fs').readFileSync('/proc/self/maps', 'utf8').split('\n').filter((l) => l.includes('/[aio]')).length;
}
module.exports.aioRings = aioRings;
