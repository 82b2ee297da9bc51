// linux-aio/fs keeps several requests in flight: whole-file reads and writes,
// read-ahead and write-behind. Counted on a real context through a thin wrapper
// that records how many of its requests are outstanding at once.
'use strict';
const fs = require('fs');
const path = require('path');
const { pipeline } = require('stream/promises');
const { Readable } = require('stream');
const { AioContext } = require('linux-aio');
const aiofs = require('linux-aio/fs');
const { tmpDir, pattern } = require('../helpers');

function counting(ctx) {
  const c = { now: 0, max: 0, calls: 0 };
  const wrap = (name) => (...args) => {
    c.now++;
    c.calls++;
    c.max = Math.max(c.max, c.now);
    return ctx[name](...args).finally(() => c.now--);
  };
  c.context = { read: wrap('read'), write: wrap('write'), readv: wrap('readv'), writev: wrap('writev'), fsync: wrap('fsync'), fdatasync: wrap('fdatasync') };
  return c;
}

let ctx;
beforeAll(() => (ctx = new AioContext({ depth: 64 })));
afterAll(() => ctx.close());

test('readFile and writeFile keep their windows of requests in flight (WHOLE_IO)', async () => {
  const io = aiofs.WHOLE_IO;
  const file = path.join(tmpDir(), 'big');
  const data = pattern(io.writeChunk * 5 + 5, 1);
  const w = counting(ctx);
  await aiofs.writeFile(file, data, { context: w.context });
  expect(w.max).toBe(io.writeWindow);
  expect(w.calls).toBe(6);
  const r = counting(ctx);
  const got = await aiofs.readFile(file, { context: r.context });
  expect(got.equals(data)).toBe(true);
  expect(r.max).toBe(io.readWindow);
  expect(r.calls).toBe(Math.ceil(data.length / io.readChunk));
  const d = counting(ctx);
  expect((await aiofs.readFile(file, { context: d.context, direct: true })).equals(data)).toBe(true);
  expect(d.max).toBe(io.directWindow);
  expect(d.calls).toBe(Math.ceil(data.length / io.directChunk));
});

test('a read stream keeps readAhead reads in flight and delivers them in order', async () => {
  const file = path.join(tmpDir(), 'big');
  const data = pattern(1 << 20, 2);
  fs.writeFileSync(file, data);
  for (const readAhead of [1, 3, aiofs.DEFAULT_READ_AHEAD]) {
    const c = counting(ctx);
    const fh = await aiofs.open(file, 'r', undefined, { context: c.context });
    const chunks = [];
    const s = fh.createReadStream({ highWaterMark: 16384, readAhead });
    s.on('data', (chunk) => chunks.push(chunk));
    await new Promise((resolve) => s.on('close', resolve));
    expect(Buffer.concat(chunks).equals(data)).toBe(true);
    expect(chunks.length).toBe(64);
    expect(c.max).toBe(readAhead);
  }
});

test('a write stream keeps writeBehind writes in flight, and writes them in order', async () => {
  const file = path.join(tmpDir(), 'out');
  const parts = Array.from({ length: 200 }, (_, i) => pattern(8192, i + 1));
  for (const writeBehind of [1, aiofs.DEFAULT_WRITE_BEHIND]) {
    const c = counting(ctx);
    const fh = await aiofs.open(file, 'w', undefined, { context: c.context });
    await pipeline(Readable.from(parts), fh.createWriteStream({ writeBehind }));
    expect(fs.readFileSync(file).equals(Buffer.concat(parts))).toBe(true);
    expect(c.max).toBeGreaterThan(writeBehind === 1 ? 0 : 1);
    expect(c.max).toBeLessThanOrEqual(writeBehind);
  }
});
