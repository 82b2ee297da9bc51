// The package as users get it: prebuild, `npm pack`, install the tarball into an
// empty project with --ignore-scripts (so only the prebuilt binary can load), and
// use it from there: require, import, the TypeScript types, and the bench CLI.
'use strict';
const fs = require('fs');
const path = require('path');
const { spawnSync } = require('child_process');
const { runNode, tmpDir } = require('../helpers');

const root = path.join(__dirname, '..', '..');
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
const tsc = require.resolve('typescript/bin/tsc', { paths: [root] });

function run(cmd, args, cwd, timeout = 60000) {
  const r = spawnSync(cmd, args, { cwd, encoding: 'utf8', timeout, env: { ...process.env, npm_config_update_notifier: 'false' } });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${r.status ?? r.signal}):\n${r.stdout}\n${r.stderr}`);
  return r;
}

let project; // the consumer project
let installed; // node_modules/linux-aio inside it
let packed; // files in the tarball

beforeAll(() => {
  // dist/ is built by `npm install` (prepare); the pack must not rebuild it under other tests' feet.
  expect(fs.existsSync(path.join(root, 'dist', 'cli', 'main.js'))).toBe(true);
  run(npm, ['run', 'prebuild', '--silent'], root, 900000); // every binary; only what changed is rebuilt
  const work = tmpDir();
  const out = run(npm, ['pack', '--ignore-scripts', '--json', '--pack-destination', work], root).stdout;
  const info = JSON.parse(out.slice(out.indexOf('[')))[0];
  packed = info.files.map((f) => f.path);
  project = path.join(work, 'consumer');
  fs.mkdirSync(project);
  fs.writeFileSync(path.join(project, 'package.json'), JSON.stringify({ name: 'consumer', version: '1.0.0', private: true }));
  run(npm, ['install', '--ignore-scripts', '--prefer-offline', '--no-audit', '--no-fund', path.join(work, info.filename)], project, 120000);
  installed = path.join(project, 'node_modules', 'linux-aio');
}, 1200000);

test('the tarball holds what a user needs, and nothing else', () => {
  expect(packed).toEqual(expect.arrayContaining(['package.json', 'README.md', 'dist/index.js', 'dist/index.mjs', 'dist/index.d.ts', 'dist/index.d.mts', 'dist/cli/main.js', 'dist/cli/worker.js', 'prebuilds/linux-x64/linux-aio.glibc.node', 'prebuilds/linux-arm64/linux-aio.glibc.node', 'prebuilds/linux-x64/linux-aio.musl.node', 'prebuilds/linux-arm64/linux-aio.musl.node', 'binding.gyp', 'LICENSE', 'CHANGELOG.md']));
  const unexpected = packed.filter((f) => !/^(package\.json|README\.md|LICENSE|CHANGELOG\.md|binding\.gyp|dist\/.*\.(js|mjs|d\.ts|d\.mts)|src-native\/.*\.(cc|h)|prebuilds\/[^/]+\/[^/]+\.node)$/.test(f));
  expect(unexpected).toEqual([]);
  expect(packed.filter((f) => /^(test|lib|scripts|build|node_modules)\//.test(f) || f.endsWith('.tgz'))).toEqual([]);
  const pkg = require(path.join(installed, 'package.json'));
  expect(pkg.engines.node).toBe('>=20');
  expect(pkg.os).toEqual(['linux']);
  expect(pkg.bin['linux-aio']).toBe('./dist/cli/main.js');
  expect(pkg.types).toBe('./dist/index.d.ts');
  expect(pkg.exports['.']).toEqual({
    import: { types: './dist/index.d.mts', default: './dist/index.mjs' },
    require: { types: './dist/index.d.ts', default: './dist/index.js' },
  });
});

test('require loads the prebuilt binary (no local build exists) and does I/O', () => {
  expect(fs.existsSync(path.join(installed, 'build'))).toBe(false);
  const r = runNode(['-e', `
    const fs = require('fs'), os = require('os'), path = require('path');
    const aio = require('linux-aio');
    const binary = require('node-gyp-build').path(path.dirname(require.resolve('linux-aio/package.json')));
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'consumer-')), 'f');
    const fd = fs.openSync(file, 'w+');
    const ctx = new aio.AioContext({ depth: 4 });
    const buf = aio.allocAligned(4096);
    buf.fill(7);
    ctx.write(fd, buf, 0).then(async (n) => {
      const back = aio.allocAligned(4096);
      const m = await ctx.read(fd, back, 0);
      await ctx.close();
      fs.closeSync(fd);
      fs.rmSync(path.dirname(file), { recursive: true });
      console.log(JSON.stringify({ binary, n, m, same: back.equals(buf), exports: Object.keys(aio) }));
    });
  `], { cwd: project });
  expect(r.stderr).toBe('');
  const out = JSON.parse(r.stdout);
  expect(out.binary).toBe(path.join(installed, 'prebuilds', 'linux-x64', 'linux-aio.glibc.node'));
  expect(out).toMatchObject({ n: 4096, m: 4096, same: true });
  expect(out.exports).toEqual(expect.arrayContaining(['AioContext', 'allocAligned', 'directIoAlignment', 'AbortError']));
});

test('import gives the same exports as require', () => {
  const r = runNode(['--input-type=module', '-e', `
    import * as esm from 'linux-aio';
    import def, { AioContext } from 'linux-aio';
    import { createRequire } from 'module';
    const cjs = createRequire(import.meta.url)('linux-aio');
    console.log(JSON.stringify({
      same: Object.keys(cjs).every((k) => esm[k] === cjs[k]),
      missing: Object.keys(cjs).filter((k) => !(k in esm)),
      def: def === cjs, ctor: typeof AioContext,
    }));
  `], { cwd: project });
  expect(r.stderr).toBe('');
  expect(JSON.parse(r.stdout)).toEqual({ same: true, missing: [], def: true, ctor: 'function' });
});

test('the TypeScript types: a consumer compiles, and a misuse is caught', () => {
  const typeRoot = path.join(root, 'node_modules', '@types');
  const tsconfig = (files) => ({
    compilerOptions: { strict: true, noEmit: true, module: 'nodenext', moduleResolution: 'nodenext', target: 'es2022', lib: ['es2022'], types: ['node'], typeRoots: [typeRoot], skipLibCheck: false },
    files,
  });
  fs.writeFileSync(path.join(project, 'good.ts'), `
    import { AioContext, allocAligned, directIoAlignment, AbortError } from 'linux-aio';
    import type { AioContextOptions, AioStats, DirectIoAlignment, OpOptions } from 'linux-aio';
    import * as fs from 'fs';
    export async function copyBlock(src: string): Promise<number> {
      const opts: AioContextOptions = { depth: 8 };
      const ctx = new AioContext(opts);
      const fd = fs.openSync(src, 'r');
      const align: DirectIoAlignment = directIoAlignment(fd);
      const buf = allocAligned(4096, Math.max(align.memory, 512));
      const o: OpOptions = { signal: AbortSignal.timeout(1000) };
      try {
        const n: number = await ctx.read(fd, buf, 0n, o);
        const s: AioStats = ctx.stats();
        return n + s.completed;
      } catch (err) {
        if (err instanceof AbortError) return -1;
        throw err;
      } finally {
        await ctx.close();
        fs.closeSync(fd);
      }
    }
  `);
  fs.writeFileSync(path.join(project, 'tsconfig.json'), JSON.stringify(tsconfig(['good.ts'])));
  const good = runNode([tsc, '-p', project], { cwd: project });
  expect(good.stdout + good.stderr).toBe('');
  expect(good.status).toBe(0);

  fs.writeFileSync(path.join(project, 'bad.ts'), `
    import { AioContext } from 'linux-aio';
    const ctx = new AioContext({ depth: 'deep' });
    export const n: string = ctx.inFlight;
  `);
  fs.writeFileSync(path.join(project, 'tsconfig.json'), JSON.stringify(tsconfig(['bad.ts'])));
  const bad = runNode([tsc, '-p', project], { cwd: project });
  expect(bad.status).not.toBe(0);
  expect(bad.stdout).toMatch(/bad\.ts\(3,\d+\): error TS2322/);
  expect(bad.stdout).toMatch(/bad\.ts\(4,\d+\): error TS2322/);
});

test('npx linux-aio bench runs from the installed package', () => {
  const npx = process.platform === 'win32' ? 'npx.cmd' : 'npx';
  const r = spawnSync(npx, ['--offline', 'linux-aio', 'bench', '--runtime', '1s', '--size', '64m'], { cwd: project, encoding: 'utf8', timeout: 90000 });
  expect({ status: r.status, stderr: r.status === 0 ? '' : r.stderr }).toEqual({ status: 0, stderr: '' });
  expect(r.stdout).toMatch(/^\| engine +\| +IOPS \|/m);
  expect(r.stdout).toMatch(/^\| aio +\| +[\d.]+k? \|/m);
  const file = /^file: +(\S+) \(created/m.exec(r.stdout)[1];
  expect(fs.existsSync(file)).toBe(false);
}, 90000);

test('on a platform other than Linux, loading it throws one clear error', () => {
  const fake = "Object.defineProperty(process, 'platform', { value: 'darwin' });";
  const cjs = runNode(['-e', `${fake} try { require('linux-aio'); console.log('loaded'); } catch (e) { console.log(JSON.stringify({ message: e.message, code: e.code })); }`], { cwd: project });
  expect(JSON.parse(cjs.stdout)).toEqual({ message: expect.stringMatching(/runs only on Linux.*this is darwin/), code: 'ERR_LINUX_AIO_PLATFORM' });
  const esm = runNode(['--input-type=module', '-e', `${fake} import('linux-aio').then(() => console.log('loaded'), (e) => console.log(JSON.stringify({ message: e.message, code: e.code })));`], { cwd: project });
  expect(JSON.parse(esm.stdout)).toEqual({ message: expect.stringMatching(/runs only on Linux/), code: 'ERR_LINUX_AIO_PLATFORM' });
  // And the CLI says so too, in one line.
  const cli = runNode(['-e', `${fake} process.argv = [process.argv[0], 'linux-aio', 'bench']; require(${JSON.stringify(path.join(installed, 'dist', 'cli', 'main.js'))});`], { cwd: project });
  expect(cli.status).not.toBe(0);
  expect(cli.stderr).toMatch(/runs only on Linux/);
});
