// readFile / writeFile / appendFile against Node's: paths and handles, every
// kind of data, procfs, pipes, sysfs, signals.
'use strict';
const fs = require('fs');
const path = require('path');
const { Readable } = require('stream');
const { spawn } = require('child_process');
const { tmpDir, pattern } = require('../helpers');
const { IMPLS, outcome } = require('./impls');

describe.each(IMPLS)('%s: whole-file functions', (name, m) => {
  test('readFile of files of many sizes (across several requests) gives the bytes', async () => {
    const dir = tmpDir();
    for (const size of [0, 1, 4095, 4096, 65537, (1 << 20) * 9 + 123]) {
      const data = pattern(size, size);
      const file = path.join(dir, `f${size}`);
      fs.writeFileSync(file, data);
      const got = await m.readFile(file);
      expect(Buffer.isBuffer(got)).toBe(true);
      expect(got.length).toBe(size);
      expect(got.equals(data)).toBe(true);
    }
  });

  test('readFile encodings: a string option, an object option, a handle', async () => {
    const file = path.join(tmpDir(), 'text');
    fs.writeFileSync(file, 'héllo wörld');
    expect(await m.readFile(file, 'utf8')).toBe('héllo wörld');
    expect(await m.readFile(file, { encoding: 'base64' })).toBe(Buffer.from('héllo wörld').toString('base64'));
    expect(await m.readFile(file, { encoding: 'latin1', flag: 'r' })).toBe(Buffer.from('héllo wörld').toString('latin1'));
    const fh = await m.open(file);
    try {
      expect(await m.readFile(fh, 'utf8')).toBe('héllo wörld');
      // The handle's position is at the end now: a second readFile gives the empty rest.
      expect(await fh.readFile('utf8')).toBe('');
      expect((await fh.read(Buffer.alloc(3), 0, 3, 0)).bytesRead).toBe(3);
    } finally {
      await fh.close();
    }
    const fh2 = await m.open(file);
    await fh2.read(Buffer.alloc(6)); // 'héllo' is 6 bytes
    expect(await fh2.readFile({ encoding: 'utf8' })).toBe(' wörld');
    await fh2.close();
  });

  test('readFile of procfs and sysfs files (size 0 or wrong): read until EOF', async () => {
    const status = await m.readFile('/proc/self/status', 'utf8');
    expect(status).toMatch(/^Name:/);
    expect(status).toMatch(/\nPid:\s+\d+/);
    const maps = await m.readFile('/proc/self/maps', 'utf8');
    expect(maps.split('\n').length).toBeGreaterThan(10);
    expect(await m.readFile('/proc/sys/kernel/ostype', 'utf8')).toBe('Linux\n');
    const cpuinfo = await m.readFile('/proc/cpuinfo', 'utf8');
    expect(cpuinfo).toBe(fs.readFileSync('/proc/cpuinfo', 'utf8'));
    const sysfs = '/sys/kernel/mm/transparent_hugepage/enabled';
    if (fs.existsSync(sysfs)) expect(await m.readFile(sysfs, 'utf8')).toBe(fs.readFileSync(sysfs, 'utf8'));
  });

  test('readFile of a FIFO: everything the writer sent, until it closes', async () => {
    // In a child process of its own, reader and writer: a FIFO open waits on
    // one of libuv's four threads, which this long-lived Jest worker shares
    // with every test file it ran before.
    const fifo = path.join(tmpDir(), 'fifo');
    require('child_process').execFileSync('mkfifo', [fifo]);
    const make = 'Array.from({ length: 60000 }, (_, i) => i.toString(36)).join(",")';
    const data = eval(make); // eslint-disable-line no-eval
    const mod = name === 'node' ? 'fs/promises' : path.join(__dirname, '..', '..', 'dist', 'fs');
    const child = spawn(process.execPath, ['-e', `
      const { spawn } = require('child_process');
      const writer = spawn(process.execPath, ['-e', ${JSON.stringify(`
        const fs = require('fs'); const fd = fs.openSync(${JSON.stringify(fifo)}, 'w');
        const s = ${make};
        for (let i = 0; i < s.length; i += 7000) fs.writeSync(fd, s.slice(i, i + 7000));
        fs.closeSync(fd);`)}]);
      const exited = new Promise((r) => writer.on('exit', r)); // may end before readFile settles
      Promise.all([require(${JSON.stringify(mod)}).readFile(${JSON.stringify(fifo)}, 'utf8'), exited]).then(([got]) =>
        process.stdout.write(JSON.stringify({ length: got.length, same: got === ${make} })));`]);
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    await new Promise((r) => child.on('exit', r));
    expect(JSON.parse(out)).toEqual({ length: data.length, same: true });
  });

  test('writeFile takes strings, views and iterables; appendFile appends', async () => {
    const dir = tmpDir();
    const f = (n) => path.join(dir, n);
    await m.writeFile(f('s'), 'héllo');
    await m.writeFile(f('hex'), '48656c6c6f', 'hex');
    await m.writeFile(f('b64'), { toString: () => 'x' }.toString() + 'aGk=', { encoding: 'base64' });
    await m.writeFile(f('buf'), Buffer.from('buffer'));
    await m.writeFile(f('u16'), new Uint16Array([0x4241, 0x4443]));
    await m.writeFile(f('dv'), new DataView(new ArrayBuffer(3)));
    await m.writeFile(f('arr'), ['a', Buffer.from('b'), new Uint8Array([99])]);
    await m.writeFile(f('gen'), (function* () { yield 'x'; yield 'y'; })());
    await m.writeFile(f('agen'), (async function* () { yield 'p'; yield Buffer.from('q'); })());
    await m.writeFile(f('stream'), Readable.from(['s1', 's2']));
    const big = pattern((1 << 20) * 5 + 7, 8);
    await m.writeFile(f('big'), big);
    await m.writeFile(f('over'), 'a much longer first content');
    await m.writeFile(f('over'), 'short');
    await m.appendFile(f('s'), ' + more');
    await m.appendFile(f('new'), Buffer.from('created'));
    await m.writeFile(f('s'), '!', { flag: 'a' });
    await m.writeFile(f('mode'), 'x', { mode: 0o600 });
    await m.writeFile(f('flush'), 'durable', { flush: true });
    const r = (n, enc = 'latin1') => fs.readFileSync(f(n), enc);
    expect(r('s', 'utf8')).toBe('héllo + more!');
    expect(r('hex')).toBe('Hello');
    expect(r('b64')).toBe(Buffer.from('xaGk=', 'base64').toString('latin1'));
    expect(r('buf')).toBe('buffer');
    expect(r('u16')).toBe('ABCD');
    expect(fs.readFileSync(f('dv')).equals(Buffer.alloc(3))).toBe(true);
    expect(r('arr')).toBe('abc');
    expect(r('gen')).toBe('xy');
    expect(r('agen')).toBe('pq');
    expect(r('stream')).toBe('s1s2');
    expect(fs.readFileSync(f('big')).equals(big)).toBe(true);
    expect(r('over')).toBe('short');
    expect(r('new')).toBe('created');
    expect(fs.statSync(f('mode')).mode & 0o777).toBe(0o600 & ~process.umask());
    expect(r('flush')).toBe('durable');
  });

  test('writeFile and appendFile on a handle write at its current position, without truncating', async () => {
    const file = path.join(tmpDir(), 'h');
    fs.writeFileSync(file, '0123456789');
    const fh = await m.open(file, 'r+');
    await fh.read(Buffer.alloc(2));
    await fh.writeFile('ab');
    await m.writeFile(fh, 'cd');
    await fh.appendFile('e');
    await m.appendFile(fh, Buffer.from('f'));
    await fh.write('Z', 0);
    await fh.close();
    expect(fs.readFileSync(file, 'latin1')).toBe('Z1abcdef89');
  });

  test('bad data and options: the codes of Node', async () => {
    const file = path.join(tmpDir(), 'e');
    const got = [];
    for (const p of [
      () => m.writeFile(file, 123),
      () => m.writeFile(file, null),
      () => m.writeFile(file, { a: 1 }),
      () => m.writeFile(file, [1, 2]),
      () => m.writeFile(file, 'x', { flush: 1 }),
      () => m.writeFile(file, 'x', { encoding: 'bogus' }),
      () => m.writeFile(file, 'x', { flag: 'bogus' }),
      () => m.readFile(file, { encoding: 'bogus' }),
      () => m.readFile(file, 42),
      () => m.readFile(123),
      () => m.readFile(path.join(file, 'none')),
      () => m.appendFile(file, 1),
    ]) got.push((await outcome(p())).error?.code ?? 'resolved');
    expect(got).toEqual([
      'ERR_INVALID_ARG_TYPE',
      'ERR_INVALID_ARG_TYPE',
      'ERR_INVALID_ARG_TYPE',
      'ERR_INVALID_ARG_TYPE',
      'ERR_INVALID_ARG_TYPE',
      'ERR_INVALID_ARG_VALUE',
      'ERR_INVALID_ARG_VALUE',
      'ERR_INVALID_ARG_VALUE',
      'ERR_INVALID_ARG_TYPE',
      'ERR_INVALID_ARG_TYPE',
      'ENOTDIR',
      'ERR_INVALID_ARG_TYPE',
    ]);
  });

  test('an aborted signal: AbortError, and nothing written', async () => {
    const file = path.join(tmpDir(), 'abort');
    fs.writeFileSync(file, pattern(100000, 2));
    const ac = new AbortController();
    ac.abort();
    const a = await outcome(m.readFile(file, { signal: ac.signal }));
    const b = await outcome(m.writeFile(path.join(tmpDir(), 'w'), 'data', { signal: ac.signal }));
    const fh = await m.open(file);
    const c = await outcome(fh.readFile({ signal: ac.signal }));
    await fh.close();
    for (const o of [a, b, c]) expect(o.error).toEqual({ name: 'AbortError', code: 'ABORT_ERR', syscall: undefined });
    // An iterable whose producer aborts mid-way.
    const ac2 = new AbortController();
    const target = path.join(tmpDir(), 'w2');
    const d = await outcome(
      m.writeFile(target, (async function* () { yield 'one'; ac2.abort(); yield 'two'; })(), { signal: ac2.signal }),
    );
    expect(d.error).toEqual({ name: 'AbortError', code: 'ABORT_ERR', syscall: undefined });
    expect(fs.readFileSync(target, 'latin1')).toBe('one');
  });
});
