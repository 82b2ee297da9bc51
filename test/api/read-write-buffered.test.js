// Buffered reads and writes: data verified byte for byte.
'use strict';
const fs = require('fs');
const { AioContext } = require('linux-aio');
const { tmpFile, pattern } = require('../helpers');

let ctx;
beforeAll(() => (ctx = new AioContext({ depth: 32 })));
afterAll(() => ctx.close());

test('write then read back many sizes and positions', async () => {
  const { fd, file } = tmpFile();
  const cases = [1, 7, 512, 4096, 65536, 1 << 20].map((len, i) => ({ len, pos: i * (2 << 20) + i * 13, data: pattern(len, i + 1) }));
  const written = await Promise.all(cases.map((c) => ctx.write(fd, c.data, c.pos)));
  expect(written).toEqual(cases.map((c) => c.len));
  const reads = await Promise.all(cases.map(async (c) => {
    const out = Buffer.alloc(c.len);
    const n = await ctx.read(fd, out, c.pos);
    return { n, out };
  }));
  reads.forEach((r, i) => {
    expect(r.n).toBe(cases[i].len);
    expect(r.out.equals(cases[i].data)).toBe(true);
  });
  // What fs sees is what we wrote.
  const whole = fs.readFileSync(file);
  for (const c of cases) expect(whole.subarray(c.pos, c.pos + c.len).equals(c.data)).toBe(true);
  fs.closeSync(fd);
});

test('any ArrayBufferView: its byteLength is the length', async () => {
  const { fd } = tmpFile();
  const src = pattern(64, 9);
  await ctx.write(fd, src, 0);
  const u32 = new Uint32Array(4);
  expect(await ctx.read(fd, u32, 0)).toBe(16);
  expect(Buffer.from(u32.buffer).equals(src.subarray(0, 16))).toBe(true);
  const dv = new DataView(new ArrayBuffer(32), 8, 8);
  expect(await ctx.read(fd, dv, 4)).toBe(8);
  expect(Buffer.from(dv.buffer, 8, 8).equals(src.subarray(4, 12))).toBe(true);
  // A subarray names part of a buffer, and only that part is touched.
  const big = Buffer.alloc(16, 0xee);
  expect(await ctx.read(fd, big.subarray(4, 8), 0)).toBe(4);
  expect(big.subarray(0, 4).every((b) => b === 0xee) && big.subarray(8).every((b) => b === 0xee)).toBe(true);
  expect(big.subarray(4, 8).equals(src.subarray(0, 4))).toBe(true);
  fs.closeSync(fd);
});

test('a FileHandle works like its fd', async () => {
  const { file } = tmpFile();
  const fh = await fs.promises.open(file, 'r+');
  await ctx.write(fh, Buffer.from('handle'), 0);
  const out = Buffer.alloc(6);
  expect(await ctx.read(fh, out, 0)).toBe(6);
  expect(out.toString()).toBe('handle');
  await fh.close();
  await expect(ctx.read(fh, out, 0)).rejects.toMatchObject({ code: 'EBADF' });
});

test('short read at end of file, 0 past it', async () => {
  const { fd } = tmpFile();
  await ctx.write(fd, pattern(6000), 0);
  expect(await ctx.read(fd, Buffer.alloc(4096), 4096)).toBe(1904);
  expect(await ctx.read(fd, Buffer.alloc(4096), 6000)).toBe(0);
  expect(await ctx.read(fd, Buffer.alloc(4096), 1e9)).toBe(0);
  expect(await ctx.read(fd, Buffer.alloc(0), 0)).toBe(0);
  fs.closeSync(fd);
});

test('fsync and fdatasync resolve to undefined', async () => {
  const { fd } = tmpFile();
  await ctx.write(fd, pattern(8192), 0);
  await expect(ctx.fsync(fd)).resolves.toBeUndefined();
  await expect(ctx.fdatasync(fd)).resolves.toBeUndefined();
  // The kernel runs them on a read-only fd too.
  const ro = fs.openSync(`/proc/self/fd/${fd}`, 'r');
  await expect(ctx.fsync(ro)).resolves.toBeUndefined();
  fs.closeSync(ro);
  fs.closeSync(fd);
});

test('per-request flags: dsync, sync, append', async () => {
  const { fd, file } = tmpFile();
  expect(await ctx.write(fd, Buffer.from('abc'), 0, { flags: { dsync: true } })).toBe(3);
  expect(await ctx.write(fd, Buffer.from('def'), 3, { flags: { sync: true } })).toBe(3);
  // RWF_APPEND ignores the position.
  expect(await ctx.write(fd, Buffer.from('ghi'), 0, { flags: { append: true } })).toBe(3);
  expect(fs.readFileSync(file, 'utf8')).toBe('abcdefghi');
  fs.closeSync(fd);
});
