// createReadStream / createWriteStream of a handle against Node's: bytes, chunk
// sizes, ranges, events, errors, destroy() and abort.
'use strict';
const fs = require('fs');
const path = require('path');
const { Readable } = require('stream');
const { pipeline } = require('stream/promises');
const { tmpDir, pattern } = require('../helpers');
const { IMPLS } = require('./impls');

function fileWith(data) {
  const file = path.join(tmpDir(), 'f');
  fs.writeFileSync(file, data);
  fileWith.last = file;
  return file;
}

/** Reads a stream to the end: chunks, events in order, the error if any. */
function drain(stream) {
  return new Promise((resolve) => {
    const chunks = [];
    const events = [];
    let error = null;
    stream.on('data', (c) => chunks.push(c));
    for (const e of ['open', 'ready', 'end', 'close']) stream.on(e, () => events.push(e));
    stream.on('error', (err) => {
      events.push('error');
      error = err;
    });
    const done = () => resolve({ chunks, events, error });
    stream.on('close', done);
    // emitClose: false, or autoClose: false (no auto-destroy), give no 'close': settle on end/error then.
    const st = stream._readableState;
    if (st && (st.emitClose === false || st.autoDestroy === false)) {
      stream.on('end', () => setImmediate(done));
      stream.on('error', () => setImmediate(done));
    }
  });
}

describe.each(IMPLS)('%s: streams', (name, m) => {
  test('a read stream gives the bytes in order, in highWaterMark chunks, then end and close', async () => {
    const data = pattern(1000003, 5);
    const fh = await m.open(fileWith(data));
    const s = fh.createReadStream({ highWaterMark: 65536 });
    const { chunks, events, error } = await drain(s);
    expect(error).toBe(null);
    expect(Buffer.concat(chunks).equals(data)).toBe(true);
    expect(chunks.slice(0, -1).every((c) => c.length === 65536)).toBe(true);
    expect(events).toEqual(['end', 'close']);
    expect(s.bytesRead).toBe(data.length);
    expect(fh.fd).toBe(-1); // autoClose
  });

  test('a read stream over several MiB: chunks kept by the consumer stay as delivered', async () => {
    // linux-aio/fs reads into slices of 2 MiB package blocks: slices must not
    // overlap, whatever highWaterMark, nor be reused while a chunk is held.
    const data = pattern(5 * 1024 * 1024 + 3, 11);
    for (const highWaterMark of [65536, 100000, 1 << 20, 3 << 20]) {
      const fh = await m.open(fileWith(data));
      const { chunks, error } = await drain(fh.createReadStream({ highWaterMark }));
      expect(error).toBe(null);
      expect(chunks.slice(0, -1).every((c) => c.length === highWaterMark)).toBe(true);
      expect(Buffer.concat(chunks).equals(data)).toBe(true);
    }
  });

  test('a kept chunk holds little more memory than itself: small chunks, small files', async () => {
    // linux-aio/fs slices large requests out of shared package blocks; small
    // chunks and the blocks of small files must not pin megabytes.
    const data = pattern(100 * 1024, 12);
    for (const [highWaterMark, most] of [[1024, 16384], [65536, 128 * 1024]]) {
      const fh = await m.open(fileWith(data));
      const { chunks, error } = await drain(fh.createReadStream({ highWaterMark }));
      expect(error).toBe(null);
      expect(Buffer.concat(chunks).equals(data)).toBe(true);
      expect(Math.max(...chunks.map((c) => c.buffer.byteLength))).toBeLessThanOrEqual(most);
    }
  });

  test('start, end (inclusive), encoding; autoClose: false keeps the handle', async () => {
    const data = Buffer.from('0123456789abcdefghij'.repeat(1000));
    const fh = await m.open(fileWith(data));
    const r1 = await drain(fh.createReadStream({ start: 5, end: 14, autoClose: false }));
    expect(Buffer.concat(r1.chunks).toString()).toBe('56789abcde');
    const r2 = await drain(fh.createReadStream({ start: 19990, encoding: 'utf8', highWaterMark: 4, autoClose: false }));
    expect(r2.chunks).toEqual(['abcd', 'efgh', 'ij']);
    const r3 = await drain(fh.createReadStream({ start: 3, end: 3, autoClose: false }));
    expect(Buffer.concat(r3.chunks).toString()).toBe('3');
    const s4 = fh.createReadStream({ start: 50000, autoClose: false });
    const r4 = await drain(s4);
    expect(r4.chunks).toEqual([]);
    expect(r4.events).toEqual(['end']);
    expect(fh.fd).toBeGreaterThan(0);
    s4.destroy();
    await new Promise((r) => s4.on('close', r));
    await fh.close();
  });

  test('no start: from the current position, which it advances', async () => {
    const fh = await m.open(fileWith('abcdefghij'));
    await fh.read(Buffer.alloc(3));
    const s = fh.createReadStream({ autoClose: false });
    const r = await drain(s);
    expect(Buffer.concat(r.chunks).toString()).toBe('defghij');
    expect((await fh.read(Buffer.alloc(4))).bytesRead).toBe(0);
    s.destroy();
    await fh.close();
  });

  test('emitClose: false emits no close', async () => {
    const fh = await m.open(fileWith('abc'));
    const r = await drain(fh.createReadStream({ emitClose: false }));
    expect(r.events).toEqual(['end']);
  });

  test('bad options throw as Node does', async () => {
    const file = fileWith('abc');
    const codes = [];
    for (const o of [{ start: -1 }, { start: 'a' }, { start: 5, end: 2 }, { end: -1 }, { start: 1.5 }]) {
      const fh = await m.open(file);
      try {
        fh.createReadStream(o);
        codes.push('none');
      } catch (err) {
        codes.push(err.code);
      }
      // (Node's handle is left unusable by a failed construction: not closed here.)
      if (name !== 'node') await fh.close();
    }
    expect(codes).toEqual(['ERR_OUT_OF_RANGE', 'ERR_INVALID_ARG_TYPE', 'ERR_OUT_OF_RANGE', 'ERR_OUT_OF_RANGE', 'ERR_OUT_OF_RANGE']);
  });

  test('destroy() mid-way: close, no end, the handle closed', async () => {
    const fh = await m.open(fileWith(pattern(4 << 20, 1)));
    const s = fh.createReadStream({ highWaterMark: 16384 });
    const events = [];
    s.on('end', () => events.push('end'));
    s.on('error', () => events.push('error'));
    await new Promise((resolve) => {
      s.once('data', () => s.destroy());
      s.on('close', resolve);
    });
    expect(events).toEqual([]);
    expect(s.destroyed).toBe(true);
    expect(fh.fd).toBe(-1);
  });

  test('an aborted signal: AbortError, then close', async () => {
    const fh = await m.open(fileWith(pattern(4 << 20, 1)));
    const ac = new AbortController();
    const s = fh.createReadStream({ signal: ac.signal, highWaterMark: 16384 });
    s.once('data', () => ac.abort());
    const r = await drain(s);
    expect(r.error.name).toBe('AbortError');
    expect(r.error.code).toBe('ABORT_ERR');
    expect(r.events.slice(-2)).toEqual(['error', 'close']);
    expect(fh.fd).toBe(-1);
  });

  test('a read error (a directory): EISDIR, then close', async () => {
    const fh = await m.open(tmpDir());
    const r = await drain(fh.createReadStream());
    expect(r.error.code).toBe('EISDIR');
    expect(r.events).toEqual(['error', 'close']);
  });

  test('a closed handle: ERR_OUT_OF_RANGE for its fd -1, as Node', async () => {
    const fh = await m.open(fileWith('abc'), 'r+');
    await fh.close();
    // Node checks the fd (-1) as an argument.
    expect(() => fh.createReadStream()).toThrow(expect.objectContaining({ code: 'ERR_OUT_OF_RANGE' }));
    expect(() => fh.createWriteStream()).toThrow(expect.objectContaining({ code: 'ERR_OUT_OF_RANGE' }));
  });

  test('a FIFO fed in small pieces, and a procfs file: everything until EOF', async () => {
    const fifo = path.join(tmpDir(), 'fifo');
    require('child_process').execFileSync('mkfifo', [fifo]);
    const writer = require('child_process').spawn(process.execPath, ['-e', `
      const fs = require('fs'); const fd = fs.openSync(${JSON.stringify(fifo)}, 'w');
      let i = 0; const t = setInterval(() => { fs.writeSync(fd, 'piece' + i + ';'); if (++i === 20) { clearInterval(t); fs.closeSync(fd); } }, 5);`]);
    const fh = await m.open(fifo);
    const r = await drain(fh.createReadStream({ encoding: 'utf8' }));
    await new Promise((done) => (writer.exitCode !== null ? done() : writer.on('exit', done)));
    expect(r.error).toBe(null);
    expect(r.chunks.join('')).toBe(Array.from({ length: 20 }, (_, i) => `piece${i};`).join(''));
    const fh2 = await m.open('/proc/cpuinfo');
    const r2 = await drain(fh2.createReadStream({ encoding: 'utf8', highWaterMark: 1000 }));
    expect(r2.chunks.join('')).toBe(fs.readFileSync('/proc/cpuinfo', 'utf8'));
  });

  test('a write stream writes every chunk in order; bytesWritten, finish, close', async () => {
    const file = path.join(tmpDir(), 'w');
    const fh = await m.open(file, 'w');
    const s = fh.createWriteStream();
    const parts = [];
    for (let i = 0; i < 500; i++) parts.push(pattern(1000 + i * 37, i));
    const events = [];
    s.on('finish', () => events.push('finish'));
    const closed = new Promise((resolve) => s.on('close', resolve));
    for (const p of parts) if (!s.write(p)) await new Promise((r) => s.once('drain', r));
    s.write('tail', 'utf8');
    s.end(Buffer.from('!'));
    await closed;
    expect(events).toEqual(['finish']);
    const all = Buffer.concat([...parts, Buffer.from('tail!')]);
    expect(s.bytesWritten).toBe(all.length);
    expect(fs.readFileSync(file).equals(all)).toBe(true);
    expect(fh.fd).toBe(-1);
  });

  test('a write stream: start, encoding, flush, autoClose: false; pipeline from a read stream', async () => {
    const file = path.join(tmpDir(), 'w');
    fs.writeFileSync(file, '..........');
    const fh = await m.open(file, 'r+');
    const s = fh.createWriteStream({ start: 4, encoding: 'hex', flush: true, autoClose: false });
    await new Promise((resolve, reject) => s.end('414243', (err) => (err ? reject(err) : resolve())));
    expect(fh.fd).toBeGreaterThan(0);
    s.destroy();
    await new Promise((r) => s.on('close', r));
    await fh.close();
    expect(fs.readFileSync(file, 'latin1')).toBe('....ABC...');

    const src = pattern(3 << 20, 7);
    const from = await m.open(fileWith(src));
    const dst = path.join(tmpDir(), 'copy');
    const to = await m.open(dst, 'w');
    await pipeline(from.createReadStream(), to.createWriteStream());
    expect(fs.readFileSync(dst).equals(src)).toBe(true);
    expect(from.fd).toBe(-1);
    expect(to.fd).toBe(-1);
  });

  test('a write stream on a read-only handle: EBADF error, then close', async () => {
    const fh = await m.open(fileWith('abc'), 'r');
    const s = fh.createWriteStream();
    const events = [];
    const err = await new Promise((resolve) => {
      s.on('error', (e) => {
        events.push('error');
        resolve(e);
      });
      s.write('data');
      s.end();
    });
    await new Promise((r) => (s.closed ? r() : s.on('close', r)));
    expect(err.code).toBe('EBADF');
    expect(events).toEqual(['error']);
    expect(fs.readFileSync(fileWith.last, 'latin1')).toBe('abc');
  });

  test('a write stream destroyed, or aborted, mid-way: close; what was written stays a prefix', async () => {
    const file = path.join(tmpDir(), 'w');
    const fh = await m.open(file, 'w');
    const ac = new AbortController();
    const s = fh.createWriteStream({ signal: ac.signal });
    const data = pattern(1 << 20, 3);
    const err = new Promise((resolve) => s.on('error', resolve));
    s.write(data.subarray(0, 65536));
    s.write(data.subarray(65536, 131072));
    ac.abort();
    const e = await err;
    await new Promise((r) => (s.closed ? r() : s.on('close', r)));
    expect(e.name).toBe('AbortError');
    expect(fh.fd).toBe(-1);
    const got = fs.readFileSync(file);
    expect(data.subarray(0, got.length).equals(got)).toBe(true);

    const fh2 = await m.open(path.join(tmpDir(), 'w2'), 'w');
    const s2 = fh2.createWriteStream();
    s2.write('abc');
    s2.destroy();
    await new Promise((r) => s2.on('close', r));
    expect(fh2.fd).toBe(-1);
  });

  test('a write stream from a Readable of strings, in append mode', async () => {
    const file = path.join(tmpDir(), 'a');
    fs.writeFileSync(file, 'head:');
    const fh = await m.open(file, 'a');
    await pipeline(Readable.from(['x', 'y', 'z'].map((c) => c.repeat(10000))), fh.createWriteStream());
    expect(fs.readFileSync(file, 'latin1')).toBe('head:' + 'x'.repeat(10000) + 'y'.repeat(10000) + 'z'.repeat(10000));
  });
});
