// The packed package installed as a user installs it — `npm install <tarball>`
// with its install script, on a PATH with node and npm but no compiler, make or
// python — and then the smoke subset (a context, a write and read back, a POSIX
// lio_listio) with the prebuilt binary, under this Node, the official Node 22
// and 24 x64 builds, and the official arm64 Node 22 under qemu-user.
'use strict';
const fs = require('fs');
const path = require('path');
const { pack, consumer, run, which, runtime, need, root, userEnv } = require('./helpers');
const { tmpDir } = require('../helpers');

let project;
let installed;
let install;

beforeAll(() => {
  const { tarball } = pack();
  project = consumer();
  fs.copyFileSync(path.join(__dirname, 'fixtures', 'smoke.js'), path.join(project, 'smoke.js'));
  // A PATH holding only node, npm and sh.
  const bin = tmpDir();
  const npmCli = fs.realpathSync(which('npm'));
  fs.symlinkSync(process.execPath, path.join(bin, 'node'));
  fs.symlinkSync(npmCli, path.join(bin, 'npm'));
  fs.symlinkSync(which('sh'), path.join(bin, 'sh'));
  const env = userEnv({ PATH: bin, CC: '', CXX: '' });
  for (const tool of ['cc', 'gcc', 'g++', 'c++', 'clang', 'make', 'python3']) expect(which(tool, bin)).toBe(null);
  install = run('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', '--foreground-scripts', tarball], { cwd: project, env, check: false, timeout: 300000 });
  installed = path.join(project, 'node_modules', 'linux-aio');
}, 900000);

function smoke(node, args = [], fallback = 'none') {
  const r = run(node, [...args, 'smoke.js', fallback], { cwd: project, check: false, timeout: 120000 });
  const line = r.stdout.split('\n').find((l) => l.startsWith('{'));
  if (r.status !== 0 || !line) throw new Error(`smoke under ${node} failed (${r.status ?? r.signal}):\n${r.stdout}\n${r.stderr}`);
  return JSON.parse(line);
}

const expected = (arch) => ({
  binaries: [path.join(installed, 'prebuilds', `linux-${arch}`, 'linux-aio.glibc.node')],
  written: 8192,
  read: 8192,
  listio: [[0, 4096], [0, 4096]],
  same: true,
});

test('installs with no compiler on PATH: the install script finds the prebuilt binary and builds nothing', () => {
  expect({ status: install.status, stderr: install.status === 0 ? '' : install.stderr }).toEqual({ status: 0, stderr: '' });
  // The install script ran (and with no binary it would have gone on to node-gyp, which fails here).
  expect(install.stdout).toMatch(/linux-aio@[\d.]+ install\n> .*node dist\/loader\.js \|\| node-gyp-build/);
  expect(install.stdout).not.toMatch(/gyp info/);
  expect(fs.existsSync(path.join(installed, 'build'))).toBe(false);
});

test(`the x64 binary: smoke subset under this Node (${process.versions.node})`, () => {
  expect(smoke(process.execPath)).toMatchObject({ arch: process.arch, ...expected('x64'), backend: 'kernel' });
});

test.each([['node22-x64', 22], ['node24-x64', 24]])('the x64 binary: smoke subset under the official %s build', (name, major) => {
  const node = runtime(name);
  if (!need(node, `the x64 binary under Node ${major}`, `no ${name} build in the runtimes cache`)) return;
  const out = smoke(node);
  expect(Number(out.node.split('.')[0])).toBe(major);
  expect(out).toMatchObject({ arch: 'x64', ...expected('x64'), backend: 'kernel' });
});

test('the arm64 glibc binary: smoke subset under the official arm64 Node 22, in qemu-user', () => {
  const qemu = which('qemu-aarch64-static') ?? which('qemu-aarch64');
  const node = runtime('node22-arm64');
  if (!need(qemu, 'the arm64 binary under qemu', 'qemu-aarch64-static not found (Debian: qemu-user-static)')) return;
  if (!need(node, 'the arm64 binary under qemu', 'no node22-arm64 build in the runtimes cache')) return;
  const libs = ['/lib/ld-linux-aarch64.so.1', '/usr/lib/aarch64-linux-gnu/libstdc++.so.6'];
  if (!need(libs.every((f) => fs.existsSync(f)), 'the arm64 binary under qemu', `${libs.join(' and ')} needed (Debian: libc6:arm64 libstdc++6:arm64)`)) return;
  // --jitless: V8's JIT under qemu-user takes minutes. qemu-user has no io_setup
  // (ENOSYS), so the context runs on the addon's helper threads there.
  const out = smoke(qemu, ['-L', '/', node, '--jitless'], 'threadpool');
  expect(out).toMatchObject({ arch: 'arm64', ...expected('arm64'), backend: 'threadpool' });
  expect(out.node.split('.')[0]).toBe('22');
});

test('the tarball carries every prebuilt binary', () => {
  for (const dir of ['linux-x64', 'linux-arm64']) {
    expect(fs.readdirSync(path.join(installed, 'prebuilds', dir)).sort()).toEqual(['linux-aio.glibc.node', 'linux-aio.musl.node']);
  }
  // ... and each is the one this checkout's prebuild made.
  for (const dir of ['linux-x64', 'linux-arm64']) {
    for (const f of ['linux-aio.glibc.node', 'linux-aio.musl.node']) {
      expect(fs.readFileSync(path.join(installed, 'prebuilds', dir, f)).equals(fs.readFileSync(path.join(root, 'prebuilds', dir, f)))).toBe(true);
    }
  }
});
