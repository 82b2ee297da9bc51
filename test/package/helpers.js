// Helpers of the packaging tests: the prebuilt binaries, the packed tarball, a
// consumer project, and the tools and Node builds that some checks need
// (installed by scripts/test-runtimes.sh; a check whose tool is missing says so
// and is skipped).
'use strict';
const fs = require('fs');
const os = require('os');
const path = require('path');
const { spawnSync } = require('child_process');
const { tmpDir, skipNote } = require('../helpers');

const root = path.join(__dirname, '..', '..');
const { TARGETS, GLIBC, outputOf } = require(path.join(root, 'scripts', 'prebuild.js'));
const runtimesDir = process.env.LINUX_AIO_RUNTIMES || path.join(os.homedir(), '.cache', 'linux-aio', 'runtimes');

/**
 * The environment of a user's process: without the overrides of the sanitizer
 * run (LINUX_AIO_BINDING, LD_PRELOAD of x64 sanitizer runtimes), which would
 * load another binary than the one under test.
 */
function userEnv(extra = {}) {
  const env = { ...process.env, npm_config_update_notifier: 'false', ...extra };
  for (const key of ['LINUX_AIO_BINDING', 'LD_PRELOAD', 'ASAN_OPTIONS', 'UBSAN_OPTIONS', 'LINUX_AIO_SANITIZED']) delete env[key];
  return env;
}

function run(cmd, args, options = {}) {
  const r = spawnSync(cmd, args, {
    encoding: 'utf8',
    timeout: options.timeout ?? 120000,
    cwd: options.cwd,
    env: options.env ?? userEnv(),
    maxBuffer: 64 << 20,
  });
  if (options.check !== false && r.status !== 0) {
    throw new Error(`${cmd} ${args.join(' ')} failed (${r.status ?? r.signal ?? r.error}):\n${r.stdout}\n${r.stderr}`);
  }
  return r;
}

/** Builds every prebuilt binary that is not up to date (scripts/prebuild.js; concurrent callers wait). */
function ensurePrebuilds() {
  run(process.execPath, [path.join(root, 'scripts', 'prebuild.js')], { cwd: root, timeout: 900000 });
  return Object.keys(TARGETS).map((key) => ({ key, ...TARGETS[key], file: outputOf(key) }));
}

/** `npm pack` of this checkout (with its prebuilds) into a fresh directory: { tarball, files }. */
function pack() {
  ensurePrebuilds();
  const work = tmpDir();
  const out = run('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', work], { cwd: root }).stdout;
  const info = JSON.parse(out.slice(out.indexOf('[')))[0];
  return { tarball: path.join(work, info.filename), files: info.files.map((f) => f.path), work };
}

/** An empty project in a fresh directory. */
function consumer(name = 'consumer') {
  const dir = path.join(tmpDir(), name);
  fs.mkdirSync(dir);
  fs.writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ name, version: '1.0.0', private: true }));
  return dir;
}

/** The full path of a program on PATH, or null. */
function which(name, pathEnv = process.env.PATH) {
  for (const dir of (pathEnv || '').split(':')) {
    const file = path.join(dir || '.', name);
    try {
      fs.accessSync(file, fs.constants.X_OK);
      if (fs.statSync(file).isFile()) return file;
    } catch {}
  }
  return null;
}

/** A Node build from scripts/test-runtimes.sh (node22-x64, node24-x64, node22-arm64), or null. */
function runtime(name) {
  const file = path.join(runtimesDir, name, 'bin', 'node');
  return fs.existsSync(file) ? file : null;
}

/**
 * Skips with a note when `thing` is missing; true when the test may go on. In CI
 * (CI=true) nothing may be skipped: .ci/run installs what these checks need.
 */
function need(thing, what, fix) {
  if (thing) return true;
  if (process.env.CI === 'true') throw new Error(`${what}: ${fix}; in CI this must not be skipped (.ci/run runs scripts/test-runtimes.sh --system)`);
  skipNote(what, `${fix} (CI installs it: bash scripts/test-runtimes.sh --system)`);
  return false;
}

module.exports = { root, run, userEnv, ensurePrebuilds, pack, consumer, which, runtime, need, GLIBC, TARGETS, runtimesDir };
