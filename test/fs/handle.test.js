// AioFileHandle against Node's FileHandle: the same calls, the same results.
'use strict';
const fs = require('fs');
const path = require('path');
const { tmpDir, pattern, isRoot, runNode } = require('../helpers');
const { IMPLS, outcome, fsp } = require('./impls');

async function fileWith(data, name = 'f') {
  const file = path.join(tmpDir(), name);
  fs.writeFileSync(file, data);
  return file;
}

describe.each(IMPLS)('%s: FileHandle', (name, m) => {
  test('read: the three call forms and the default 16 KiB buffer', async () => {
    const data = pattern(40000, 3);
    const fh = await m.open(await fileWith(data));
    try {
      const r0 = await fh.read();
      expect(Object.keys(r0).sort()).toEqual(['buffer', 'bytesRead']);
      expect(Buffer.isBuffer(r0.buffer)).toBe(true);
      expect(r0.buffer.length).toBe(16384);
      expect(r0.bytesRead).toBe(16384);
      expect(r0.buffer.equals(data.subarray(0, 16384))).toBe(true);

      const b1 = Buffer.alloc(10);
      const r1 = await fh.read(b1, 2, 5, 100);
      expect(r1.bytesRead).toBe(5);
      expect(r1.buffer).toBe(b1);
      expect(b1.subarray(2, 7).equals(data.subarray(100, 105))).toBe(true);

      const b2 = Buffer.alloc(8);
      const r2 = await fh.read({ buffer: b2, offset: 1, length: 4, position: 200 });
      expect(r2.bytesRead).toBe(4);
      expect(b2.subarray(1, 5).equals(data.subarray(200, 204))).toBe(true);

      const b3 = new Uint8Array(6);
      const r3 = await fh.read(b3, { position: 300 });
      expect(r3.bytesRead).toBe(6);
      expect(Buffer.from(b3).equals(data.subarray(300, 306))).toBe(true);

      // The current position moved only with the first read (16 KiB).
      const r4 = await fh.read(Buffer.alloc(4), 0, 4, null);
      expect(r4.buffer.equals(data.subarray(16384, 16388))).toBe(true);
      const r5 = await fh.read(Buffer.alloc(4), 0, 4, -1);
      expect(r5.buffer.equals(data.subarray(16388, 16392))).toBe(true);
      // Meant difference (docs/fs.md): Node 20's read(buffer, offset, length, bigint)
      // reads at the current position; linux-aio/fs at the bigint one, as Node documents.
      const r6 = await fh.read(Buffer.alloc(4), 0, 4, 1000n);
      const at = name === 'node' ? 16392 : 1000;
      expect(r6.buffer.equals(data.subarray(at, at + 4))).toBe(true);
      const r7 = await fh.read(Buffer.alloc(4));
      const next = name === 'node' ? 16396 : 16392;
      expect(r7.buffer.equals(data.subarray(next, next + 4))).toBe(true);
      // Length 0 reads nothing and does not move.
      expect((await fh.read(Buffer.alloc(4), 0, 0)).bytesRead).toBe(0);
      // A short read at the end of the file, then 0.
      const big = Buffer.alloc(40000);
      expect((await fh.read(big, 0, 40000, 39990)).bytesRead).toBe(10);
      expect((await fh.read(big, 0, 10, 50000)).bytesRead).toBe(0);
    } finally {
      await fh.close();
    }
  });

  test('the current position is shared by reads and writes, in call order', async () => {
    const file = await fileWith('abcdefgh');
    const fh = await m.open(file, 'r+');
    try {
      expect((await fh.read(Buffer.alloc(3))).buffer.toString()).toBe('abc');
      expect((await fh.write('XY')).bytesWritten).toBe(2); // at 3
      expect((await fh.read(Buffer.alloc(2))).buffer.toString()).toBe('fg');
      // Positional calls leave it alone.
      await fh.write('__', 0);
      await fh.read(Buffer.alloc(2), 0, 2, 0);
      // A short read at EOF advances by what it read: the next write lands at the end.
      const r = await fh.read(Buffer.alloc(10));
      expect(r.bytesRead).toBe(1);
      await fh.write(Buffer.from('Z'));
      // Issued together without awaiting, in call order.
      const p1 = fh.write('1');
      const p2 = fh.write('2');
      const p3 = fh.write('3');
      await Promise.all([p1, p2, p3]);
    } finally {
      await fh.close();
    }
    const got = fs.readFileSync(file, 'latin1');
    // Meant difference (docs/fs.md): Node runs the three writes on its thread pool, in
    // any order; linux-aio/fs gives each its range at the call, in call order.
    if (name === 'node') expect(got.slice(0, 9) + [...got.slice(9)].sort().join('')).toBe('__cXYfghZ123');
    else expect(got).toBe('__cXYfghZ123');
  });

  test('write: buffer forms, string form with encodings, results', async () => {
    const file = await fileWith('');
    const fh = await m.open(file, 'w+');
    try {
      const b = Buffer.from('0123456789');
      const w1 = await fh.write(b, 2, 3);
      expect(Object.keys(w1).sort()).toEqual(['buffer', 'bytesWritten']);
      expect(w1).toMatchObject({ bytesWritten: 3 });
      expect(w1.buffer).toBe(b);
      const w2 = await fh.write(b, { offset: 5, length: 2, position: 10 });
      expect(w2.bytesWritten).toBe(2);
      const w3 = await fh.write('616263', 20, 'hex');
      expect(w3).toMatchObject({ bytesWritten: 3, buffer: '616263' });
      const w4 = await fh.write('aGk=', null, 'base64');
      expect(w4.bytesWritten).toBe(2);
      const w5 = await fh.write(new Uint16Array([0x4241]), 0, 2, 30);
      expect(w5.bytesWritten).toBe(2);
      const w6 = await fh.write(new DataView(Buffer.from('dv').buffer, Buffer.from('dv').byteOffset, 2));
      expect(w6.bytesWritten).toBe(2);
      expect((await fh.write('')).bytesWritten).toBe(0);
      expect((await fh.write(Buffer.alloc(0))).bytesWritten).toBe(0);
      expect((await fh.write('ü', 40)).bytesWritten).toBe(2);
    } finally {
      await fh.close();
    }
    const got = fs.readFileSync(file);
    expect(got.subarray(0, 7).toString('latin1')).toBe('234hidv');
    expect(got.subarray(10, 12).toString()).toBe('56');
    expect(got.subarray(20, 23).toString()).toBe('abc');
    expect(got.subarray(30, 32).toString()).toBe('AB');
    expect(got.subarray(40).toString()).toBe('ü');
  });

  test('readv and writev, at a position and at the current one', async () => {
    const file = await fileWith('');
    const fh = await m.open(file, 'w+');
    try {
      const w = await fh.writev([Buffer.from('abc'), Buffer.from('defg')]);
      expect(w.bytesWritten).toBe(7);
      expect(Object.keys(w).sort()).toEqual(['buffers', 'bytesWritten']);
      await fh.writev([Buffer.from('XY')], 1);
      await fh.writev([Buffer.from('hi')]); // current: 7
      const a = Buffer.alloc(2);
      const b = Buffer.alloc(3);
      const r = await fh.readv([a, b], 0);
      expect(r.bytesRead).toBe(5);
      expect(r.buffers[0]).toBe(a);
      expect(a.toString() + b.toString()).toBe('aXYde');
      const c = Buffer.alloc(10);
      expect((await fh.readv([c])).bytesRead).toBe(0); // current position is 9, the end
      expect((await outcome(fh.readv([], 0))).error).toEqual({ name: 'Error', code: 'EINVAL', syscall: 'read' });
      expect((await fh.writev([], 0)).bytesWritten).toBe(0);
    } finally {
      await fh.close();
    }
    expect(fs.readFileSync(file, 'latin1')).toBe('aXYdefghi');
  });

  test("'a' and 'a+' append whatever the position", async () => {
    const file = await fileWith('start');
    const fh = await m.open(file, 'a');
    await fh.write('-1', 0);
    await fh.write(Buffer.from('-2'), 0, 2, 1);
    await fh.writev([Buffer.from('-3')], 0);
    await fh.close();
    expect(fs.readFileSync(file, 'latin1')).toBe('start-1-2-3');
    const fh2 = await m.open(file, 'a+');
    expect((await fh2.read(Buffer.alloc(5))).buffer.toString()).toBe('start');
    await fh2.write('!');
    expect((await fh2.read(Buffer.alloc(5))).bytesRead).toBe(0); // the position is the end now
    expect((await fh2.read(Buffer.alloc(3), 0, 3, 5)).buffer.toString()).toBe('-1-');
    await fh2.close();
    expect(fs.readFileSync(file, 'latin1')).toBe('start-1-2-3!');
  });

  test('argument errors: codes as Node has them', async () => {
    const file = await fileWith('0123456789');
    const fh = await m.open(file, 'r+');
    const calls = [
      () => fh.read(Buffer.alloc(4), 0, 8),
      () => fh.read(Buffer.alloc(4), -1),
      () => fh.read(Buffer.alloc(4), 1.5),
      () => fh.read(Buffer.alloc(4), 'a'),
      () => fh.read(Buffer.alloc(4), 0, -1),
      () => fh.read(Buffer.alloc(0), 0, 1),
      () => fh.read(123),
      () => fh.read({ buffer: 123 }),
      () => fh.write(Buffer.alloc(4), 0, 8),
      () => fh.write(Buffer.alloc(4), 5),
      () => fh.write(Buffer.alloc(4), -1),
      () => fh.write('abc', 0, 'hex'),
      () => fh.write(123),
      () => fh.write({}),
      () => fh.write(null),
      () => fh.readv('x'),
      () => fh.readv([1]),
      () => fh.writev(Buffer.alloc(1)),
      () => fh.readFile(123),
      () => fh.readFile({ encoding: 'nope' }),
      () => fh.writeFile(123),
      () => fh.writeFile('x', { flush: 'yes' }),
      () => fh.readFile({ signal: 'no' }),
    ];
    const got = [];
    for (const call of calls) got.push((await outcome(call())).error?.code ?? 'resolved');
    await fh.close();
    expect(got).toEqual([
      'ERR_OUT_OF_RANGE',
      'ERR_OUT_OF_RANGE',
      'ERR_OUT_OF_RANGE',
      'ERR_INVALID_ARG_TYPE',
      'ERR_OUT_OF_RANGE',
      'ERR_INVALID_ARG_VALUE',
      'ERR_INVALID_ARG_TYPE',
      'ERR_INVALID_ARG_TYPE',
      'ERR_OUT_OF_RANGE',
      'ERR_OUT_OF_RANGE',
      'ERR_OUT_OF_RANGE',
      'ERR_INVALID_ARG_VALUE',
      'ERR_INVALID_ARG_TYPE',
      'ERR_INVALID_ARG_TYPE',
      'ERR_INVALID_ARG_TYPE',
      'ERR_INVALID_ARG_TYPE',
      'ERR_INVALID_ARG_TYPE',
      'ERR_INVALID_ARG_TYPE',
      'ERR_INVALID_ARG_TYPE',
      'ERR_INVALID_ARG_VALUE',
      'ERR_INVALID_ARG_TYPE',
      'ERR_INVALID_ARG_TYPE',
      'ERR_INVALID_ARG_TYPE',
    ]);
  });

  test('a closed handle: fd -1, every method rejects EBADF with its syscall', async () => {
    const fh = await m.open(await fileWith('abc'), 'r+');
    expect(fh.fd).toBeGreaterThan(2);
    await fh.close();
    expect(fh.fd).toBe(-1);
    await expect(fh.close()).resolves.toBeUndefined();
    const calls = {
      read: () => fh.read(),
      write: () => fh.write('x'),
      readv: () => fh.readv([Buffer.alloc(1)]),
      writev: () => fh.writev([Buffer.alloc(1)]),
      readFile: () => fh.readFile(),
      writeFile: () => fh.writeFile('x'),
      appendFile: () => fh.appendFile('x'),
      sync: () => fh.sync(),
      datasync: () => fh.datasync(),
      stat: () => fh.stat(),
      truncate: () => fh.truncate(0),
      chmod: () => fh.chmod(0o644),
      chown: () => fh.chown(0, 0),
      utimes: () => fh.utimes(1, 1),
    };
    const got = {};
    for (const [k, call] of Object.entries(calls)) got[k] = (await outcome(call())).error;
    const e = (syscall) => ({ name: 'Error', code: 'EBADF', syscall });
    expect(got).toEqual({
      read: e('read'),
      write: e('write'),
      readv: e('readv'),
      writev: e('writev'),
      readFile: e('readFile'),
      writeFile: e('writeFile'),
      appendFile: e('writeFile'),
      sync: e('fsync'),
      datasync: e('fdatasync'),
      stat: e('fstat'),
      truncate: e('ftruncate'),
      chmod: e('fchmod'),
      chown: e('fchown'),
      utimes: e('futimes'),
    });
  });

  test('close() waits for the requests in flight; they complete with their data', async () => {
    const data = pattern(1 << 20, 9);
    const fh = await m.open(await fileWith(data));
    const reads = [];
    for (let i = 0; i < 64; i++) reads.push(fh.read(Buffer.alloc(16384), 0, 16384, i * 16384));
    let closed = false;
    const closing = fh.close().then(() => (closed = true));
    const results = await Promise.all(reads);
    results.forEach((r, i) => expect(r.buffer.equals(data.subarray(i * 16384, (i + 1) * 16384))).toBe(true));
    await closing;
    expect(closed).toBe(true);
    expect(fh.fd).toBe(-1);
  });

  test('stat, truncate, chmod, utimes, sync, datasync, Symbol.asyncDispose', async () => {
    const file = await fileWith('0123456789');
    const fh = await m.open(file, 'r+');
    expect((await fh.stat()).size).toBe(10);
    expect(typeof (await fh.stat({ bigint: true })).size).toBe('bigint');
    await fh.write('abc', 10);
    await fh.sync();
    await fh.datasync();
    await fh.truncate(4);
    expect((await fh.stat()).size).toBe(4);
    await fh.truncate();
    expect((await fh.stat()).size).toBe(0);
    await fh.chmod(0o600);
    expect((await fh.stat()).mode & 0o777).toBe(0o600);
    await fh.utimes(1000, 2000);
    expect((await fh.stat()).mtimeMs).toBe(2000000);
    // Node's own symbol (inside Jest's vm context the global Symbol lacks it).
    const dispose = Object.getOwnPropertySymbols(Object.getPrototypeOf(await fsp.open(file).then(async (h) => (await h.close(), h))))
      .find((s) => s.description === 'Symbol.asyncDispose' || s.description === 'nodejs.asyncDispose');
    expect(typeof fh[dispose]).toBe('function');
    await fh[dispose]();
    expect(fh.fd).toBe(-1);
  });

  test('reading a directory: EISDIR from read and readFile', async () => {
    const fh = await m.open(tmpDir());
    const a = await outcome(fh.read());
    const b = await outcome(fh.readFile());
    await fh.close();
    expect(a.error).toEqual({ name: 'Error', code: 'EISDIR', syscall: 'read' });
    expect(b.error).toEqual({ name: 'Error', code: 'EISDIR', syscall: 'read' });
  });

  test('open errors: ENOENT, EISDIR, EEXIST with path and syscall; bad flags', async () => {
    const dir = tmpDir();
    const missing = path.join(dir, 'nope', 'x');
    const e1 = await m.open(missing).catch((e) => e);
    expect({ code: e1.code, errno: e1.errno, syscall: e1.syscall, path: e1.path }).toEqual({ code: 'ENOENT', errno: -2, syscall: 'open', path: missing });
    const e2 = await m.open(dir, 'w').catch((e) => e);
    expect({ code: e2.code, syscall: e2.syscall, path: e2.path }).toEqual({ code: 'EISDIR', syscall: 'open', path: dir });
    const file = await fileWith('x');
    const e3 = await m.open(file, 'wx').catch((e) => e);
    expect({ code: e3.code, syscall: e3.syscall, path: e3.path }).toEqual({ code: 'EEXIST', syscall: 'open', path: file });
    expect((await outcome(m.open(file, 'bogus'))).error.code).toBe('ERR_INVALID_ARG_VALUE');
    expect((await outcome(m.open(123))).error.code).toBe('ERR_INVALID_ARG_TYPE');
    // Numeric flags and a mode, as Node takes them.
    const made = path.join(dir, 'made');
    const fh = await m.open(made, fs.constants.O_CREAT | fs.constants.O_RDWR, 0o640);
    await fh.close();
    expect(fs.statSync(made).mode & 0o777).toBe(0o640 & ~process.umask());
  });

  test('open error: EACCES with path and syscall', () => {
    const dir = tmpDir();
    const file = path.join(dir, 'secret');
    fs.writeFileSync(file, 'x', { mode: 0o600 });
    fs.chmodSync(file, 0o000);
    fs.chmodSync(dir, 0o755);
    // As root, EACCES needs another user: a child that drops to nobody.
    const script = `
      ${isRoot ? 'process.setgid(65534); process.setuid(65534);' : ''}
      const m = ${name === 'node' ? "require('fs/promises')" : "require('linux-aio/fs')"};
      m.open(${JSON.stringify(file)}).then(() => console.log('{}'), (e) => console.log(JSON.stringify({ code: e.code, syscall: e.syscall, path: e.path })));
    `;
    const r = runNode(['-e', script], { cwd: path.join(__dirname, '..', '..') });
    expect(r.stderr).toBe('');
    expect(JSON.parse(r.stdout)).toEqual({ code: 'EACCES', syscall: 'open', path: file });
  });
});

describe('linux-aio/fs: the context a handle uses', () => {
  const { AioContext } = require('linux-aio');
  const aiofs = require('linux-aio/fs');

  test("read and write through the handle's own AioContext, and through a wrapper of one", async () => {
    const ctx = new AioContext();
    const wrapper = {};
    for (const op of ['read', 'write', 'readv', 'writev', 'fsync', 'fdatasync']) wrapper[op] = (...args) => ctx[op](...args);
    for (const context of [ctx, wrapper]) {
      const file = await fileWith('0123456789');
      const fh = await aiofs.open(file, 'r+', undefined, { context });
      const b = Buffer.alloc(4);
      expect((await fh.read(b, 0, 4, null)).bytesRead).toBe(4);
      expect(b.toString()).toBe('0123');
      expect((await fh.write('ab', null)).bytesWritten).toBe(2); // at the current position, 4
      expect((await fh.read(b, 0, 4, 2)).bytesRead).toBe(4);
      expect(b.toString()).toBe('23ab');
      const [r1, r2] = await Promise.all([fh.read(Buffer.alloc(2), 0, 2, null), fh.read(Buffer.alloc(9), 0, 9, null)]);
      expect([r1.buffer.toString(), r2.bytesRead, r2.buffer.subarray(0, 2).toString()]).toEqual(['67', 2, '89']);
      await fh.close();
      expect(fs.readFileSync(file, 'utf8')).toBe('0123ab6789');
    }
    expect(ctx.stats().completed).toBe(10);
    await ctx.close();
  });

  test('a subclass of AioContext that overrides read and write: the handle calls them', async () => {
    const calls = [];
    class Counting extends AioContext {
      read(...args) {
        calls.push('read');
        return super.read(...args);
      }
      write(...args) {
        calls.push('write');
        return super.write(...args);
      }
    }
    const ctx = new Counting();
    const fh = await aiofs.open(await fileWith('0123456789'), 'r+', undefined, { context: ctx });
    expect((await fh.read(Buffer.alloc(4), 0, 4, 0)).buffer.toString()).toBe('0123');
    expect((await fh.write('xy', null)).bytesWritten).toBe(2);
    expect(calls).toEqual(['read', 'write']);
    await fh.close();
    await ctx.close();
  });

  test('a closed context: read and write reject ERR_AIO_CLOSED and the position does not move', async () => {
    const ctx = new AioContext();
    const fh = await aiofs.open(await fileWith('0123456789'), 'r+', undefined, { context: ctx });
    await fh.read(Buffer.alloc(3), 0, 3, null);
    await ctx.close();
    await expect(fh.read(Buffer.alloc(3), 0, 3, null)).rejects.toMatchObject({ code: 'ERR_AIO_CLOSED' });
    await expect(fh.write('xy', null)).rejects.toMatchObject({ code: 'ERR_AIO_CLOSED' });
    expect(fh._position).toBe(3);
    await fh.close();
  });
});
