// When no binary can be loaded (installed with --ignore-scripts where no
// prebuilt binary fits, or a broken one), requiring the package throws one
// coded error that says what this system is, what was tried, and what to do.
'use strict';
const fs = require('fs');
const path = require('path');
const { tmpDir } = require('../helpers');
const { root, run, userEnv, ensurePrebuilds } = require('./helpers');

// A copy of the package as installed, with the given prebuilds and no local build.
function installedCopy(prebuilds) {
  const project = tmpDir();
  const pkg = path.join(project, 'node_modules', 'linux-aio');
  fs.mkdirSync(pkg, { recursive: true });
  fs.cpSync(path.join(root, 'dist'), path.join(pkg, 'dist'), { recursive: true });
  fs.copyFileSync(path.join(root, 'package.json'), path.join(pkg, 'package.json'));
  for (const [file, content] of Object.entries(prebuilds)) {
    fs.mkdirSync(path.dirname(path.join(pkg, file)), { recursive: true });
    if (typeof content === 'string') fs.writeFileSync(path.join(pkg, file), content);
    else fs.copyFileSync(content.from, path.join(pkg, file));
  }
  return { project, pkg };
}

function load(project, env = {}) {
  const r = run(process.execPath, ['-e', `
    try { require('linux-aio'); console.log(JSON.stringify({ loaded: true })); }
    catch (e) { console.log(JSON.stringify({ code: e.code, message: e.message, platform: e.platform, arch: e.arch, libc: e.libc, glibcVersion: e.glibcVersion, tried: e.tried })); }
  `], { cwd: project, env: userEnv(env) });
  expect(r.stderr).toBe('');
  return JSON.parse(r.stdout);
}

const glibc = process.report.getReport().header.glibcVersionRuntime;

beforeAll(() => ensurePrebuilds(), 900000);

test('no binary at all: ERR_LINUX_AIO_NO_BINARY naming platform, arch, libc and glibc version, and what to do', () => {
  const { project } = installedCopy({ 'prebuilds/linux-x64/.keep': '' });
  const out = load(project);
  expect(out).toMatchObject({ code: 'ERR_LINUX_AIO_NO_BINARY', platform: 'linux', arch: process.arch, libc: 'glibc', glibcVersion: glibc, tried: [] });
  expect(out.message).toContain(`linux-${process.arch}, glibc ${glibc}, Node ${process.versions.node}`);
  expect(out.message).toMatch(/no prebuilt binary for it/);
  expect(out.message).toMatch(/install python3, make and a C\+\+17 compiler .* `npm rebuild linux-aio`/);
  expect(out.message).not.toMatch(/node-gyp-build|at Object\./);
});

test('only a binary for the other libc: not loaded, and the error says so', () => {
  const other = path.join(root, 'prebuilds', `linux-${process.arch}`, 'linux-aio.musl.node');
  if (!fs.existsSync(other)) throw new Error(`${other} missing: run npm run prebuild`);
  const { project } = installedCopy({ [`prebuilds/linux-${process.arch}/linux-aio.musl.node`]: { from: other } });
  expect(load(project)).toMatchObject({ code: 'ERR_LINUX_AIO_NO_BINARY', libc: 'glibc', tried: [] });
});

test('a binary that fails to load is named with its error', () => {
  const { project } = installedCopy({ [`prebuilds/linux-${process.arch}/linux-aio.glibc.node`]: 'not an ELF file' });
  const out = load(project);
  expect(out.code).toBe('ERR_LINUX_AIO_NO_BINARY');
  expect(out.tried).toEqual([{ path: expect.stringMatching(/linux-aio\.glibc\.node$/), error: expect.stringMatching(/invalid ELF header|file too short/) }]);
  expect(out.message).toMatch(/prebuilds\/linux-x64\/linux-aio\.glibc\.node: .*(invalid ELF header|file too short)/);
});

test('the right binary loads; LIBC=musl (as node-gyp-build reads it) steers the choice away from it', () => {
  const mine = path.join(root, 'prebuilds', `linux-${process.arch}`, 'linux-aio.glibc.node');
  const { project } = installedCopy({ [`prebuilds/linux-${process.arch}/linux-aio.glibc.node`]: { from: mine } });
  expect(load(project)).toEqual({ loaded: true });
  expect(load(project, { LIBC: 'musl' })).toMatchObject({ code: 'ERR_LINUX_AIO_NO_BINARY', libc: 'musl', glibcVersion: null });
});

test('the install script check: `node dist/loader.js` exits 1 with the message when nothing loads', () => {
  const { pkg } = installedCopy({});
  const r = run(process.execPath, [path.join(pkg, 'dist', 'loader.js')], { cwd: pkg, check: false });
  expect(r.status).toBe(1);
  expect(r.stderr).toMatch(/^linux-aio: no native binary could be loaded for this system/);
  expect(r.stderr.trim().split('\n').length).toBeLessThan(6);
});

test('which prebuilt binaries are candidates, by libc', () => {
  const { prebuildCandidates, detectLibc } = require(path.join(root, 'dist', 'loader.js'));
  expect(detectLibc()).toBe(glibc ? 'glibc' : 'musl');
  const { pkg } = installedCopy({
    [`prebuilds/linux-${process.arch}/linux-aio.musl.node`]: '',
    [`prebuilds/linux-${process.arch}/linux-aio.glibc.node`]: '',
    [`prebuilds/linux-${process.arch}/linux-aio.node`]: '',
    [`prebuilds/linux-other/linux-aio.glibc.node`]: '',
  });
  const names = (libc) => prebuildCandidates(pkg, process.arch, libc).map((f) => path.relative(pkg, f));
  const dir = `prebuilds/linux-${process.arch}`;
  expect(names('glibc')).toEqual([`${dir}/linux-aio.glibc.node`, `${dir}/linux-aio.node`]);
  expect(names('musl')).toEqual([`${dir}/linux-aio.musl.node`, `${dir}/linux-aio.node`]);
  expect(names('unknown')).toEqual([`${dir}/linux-aio.glibc.node`, `${dir}/linux-aio.musl.node`, `${dir}/linux-aio.node`]);
});
