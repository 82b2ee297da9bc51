// The published types, as consumers see them: @arethetypeswrong/cli on the
// packed tarball (no problems for node10, node16 CJS and ESM, bundler), and
// consumers in ESM and CommonJS that compile under strict,
// exactOptionalPropertyTypes and noUncheckedIndexedAccess, using readonly
// arrays, maybe-undefined options, a typed resolver as SIGEV_THREAD function,
// a typed aiocb buffer and `await using` — while misuses are still caught.
'use strict';
const fs = require('fs');
const path = require('path');
const { pack, consumer, run, root } = require('./helpers');

const tsc = require.resolve('typescript/bin/tsc', { paths: [root] });
const attw = path.join(root, 'node_modules', '.bin', 'attw');
let tarball;
let project;

beforeAll(() => {
  ({ tarball } = pack());
  project = consumer();
  run('npm', ['install', '--ignore-scripts', '--prefer-offline', '--no-audit', '--no-fund', tarball], { cwd: project, timeout: 300000 });
}, 900000);

test('@arethetypeswrong/cli finds no problem in the tarball', () => {
  const r = run(attw, [tarball, '--format', 'json'], { cwd: project, check: false });
  const report = JSON.parse(r.stdout);
  expect(report.analysis.problems).toEqual([]);
  expect(report.problems).toEqual({});
  const kinds = report.analysis.entrypoints['.'].resolutions;
  expect(kinds['node16-esm'].resolution.fileName).toMatch(/index\.d\.mts$/);
  expect(kinds['node16-cjs'].resolution.fileName).toMatch(/index\.d\.ts$/);
  expect(r.status).toBe(0);
});

const strictest = {
  strict: true,
  exactOptionalPropertyTypes: true,
  noUncheckedIndexedAccess: true,
  noEmit: true,
  module: 'nodenext',
  moduleResolution: 'nodenext',
  target: 'es2022',
  lib: ['es2022', 'esnext.disposable'],
  types: ['node'],
  typeRoots: [path.join(root, 'node_modules', '@types')],
  skipLibCheck: false,
};

function compile(files) {
  fs.writeFileSync(path.join(project, 'tsconfig.json'), JSON.stringify({ compilerOptions: strictest, files: Object.keys(files) }));
  for (const [name, text] of Object.entries(files)) fs.writeFileSync(path.join(project, name), text);
  const r = run(process.execPath, [tsc, '-p', project], { cwd: project, check: false, timeout: 120000 });
  return { status: r.status, out: r.stdout + r.stderr };
}

const GOOD = `
  import * as fs from 'node:fs';
  export async function use(file: string, signal: AbortSignal | undefined, nowait: boolean | undefined, depth: number | undefined): Promise<number> {
    const options: AioContextOptions = { depth, fallback: undefined };
    await using ctx = new AioContext(options);
    const fd = fs.openSync(file, 'r+');
    const buffers: readonly Buffer[] = [allocAligned(4096), allocAligned(4096)];
    const o: OpOptions = { signal, flags: { nowait, dsync: undefined } };
    let n = await ctx.readv(fd, buffers, 0, o);
    n += await ctx.writev(fd, buffers, 0n, { signal });
    n += await ctx.read(fd, allocAligned(512), 0, { signal, flags: undefined });

    const cb: aiocb<Buffer> = { aio_fildes: fd, aio_offset: 0, aio_buf: Buffer.alloc(16), aio_nbytes: 16, aio_lio_opcode: LIO_READ, aio_reqprio: undefined };
    const list: readonly aiocb<Buffer>[] = [cb];
    await new Promise<void>((r) => lio_listio(LIO_NOWAIT, list, { sigev_notify: SIGEV_THREAD, sigev_notify_function: r }));
    await lio_listio(LIO_WAIT, [cb, null] as const);
    lio_listioSync(list);
    await aio_suspend(list, { tv_sec: 1, tv_nsec: 0 });
    const first: number | undefined = cb.aio_buf[0];
    const byte: number = cb.aio_buf.readUInt8(0);

    const sig: sigevent<number> = { sigev_notify: SIGEV_THREAD, sigev_value: 7, sigev_notify_function: (v: number) => void v.toFixed() };
    const typed: aiocb<Uint8Array, number> = { aio_fildes: fd, aio_offset: 0, aio_buf: new Uint8Array(8), aio_nbytes: 8, aio_sigevent: sig };
    aio_read(typed);
    aio_write({ ...cb, aio_sigevent: { sigev_notify: SIGEV_NONE } });
    aio_fsync(O_SYNC, { aio_fildes: fd, aio_offset: 0, aio_buf: null, aio_nbytes: 0 });
    aio_init({ aio_num: depth });
    return n + (first ?? 0) + byte + aio_error(cb) + aio_return(typed) + aio_cancel(fd, cb);
  }
`;

const NAMES = 'AioContext, allocAligned, lio_listio, lio_listioSync, aio_read, aio_write, aio_fsync, aio_error, aio_return, aio_suspend, aio_cancel, aio_init, LIO_NOWAIT, LIO_WAIT, LIO_READ, SIGEV_THREAD, SIGEV_NONE, O_SYNC';
const TYPES = 'AioContextOptions, OpOptions, aiocb, sigevent';

test('an ES module consumer compiles under strict, exactOptionalPropertyTypes and noUncheckedIndexedAccess', () => {
  const r = compile({ 'good.mts': `import { ${NAMES} } from 'linux-aio';\nimport type { ${TYPES} } from 'linux-aio';\nimport def from 'linux-aio';\nexport const same: typeof def.AioContext = AioContext;\n${GOOD}` });
  expect(r.out).toBe('');
  expect(r.status).toBe(0);
});

test('a CommonJS consumer compiles under the same options', () => {
  const r = compile({ 'good.cts': `import { ${NAMES} } from 'linux-aio';\nimport type { ${TYPES} } from 'linux-aio';\n${GOOD}` });
  expect(r.out).toBe('');
  expect(r.status).toBe(0);
});

test('misuses are still errors', () => {
  const r = compile({
    'bad.mts': [
      `import { AioContext, SIGEV_THREAD, lio_listio, LIO_NOWAIT } from 'linux-aio';`,
      `import type { aiocb, sigevent } from 'linux-aio';`,
      `export const s: sigevent<number> = { sigev_notify: SIGEV_THREAD, sigev_value: 'seven' };`,
      `export const cb: aiocb<Buffer> = { aio_fildes: 3, aio_offset: 0, aio_buf: null, aio_nbytes: 0 };`,
      `export const n: string = cb.aio_buf[0];`,
      `lio_listio(LIO_NOWAIT, [], { sigev_notify: SIGEV_THREAD, sigev_value: 1, sigev_notify_function: (v: string) => void v });`,
      `new AioContext({ depth: '8' });`,
    ].join('\n'),
  });
  expect(r.status).not.toBe(0);
  for (const line of [3, 4, 5, 6, 7]) expect(r.out).toMatch(new RegExp(`bad\\.mts\\(${line},\\d+\\): error TS`));
});
