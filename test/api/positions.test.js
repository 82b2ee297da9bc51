// Positions: numbers and bigints, past 4 GiB on a sparse file, and beyond 2^53.
'use strict';
const fs = require('fs');
const { AioContext } = require('linux-aio');
const { tmpFile, pattern } = require('../helpers');

let ctx;
beforeAll(() => (ctx = new AioContext({ depth: 8 })));
afterAll(() => ctx.close());

test('bigint and number positions past 4 GiB address the same bytes', async () => {
  const { fd, file } = tmpFile();
  const at = 5 * 2 ** 30 + 12345;
  const data = pattern(5000, 5);
  expect(await ctx.write(fd, data, BigInt(at))).toBe(5000);
  expect(fs.statSync(file).size).toBe(at + 5000);
  const out = Buffer.alloc(5000);
  expect(await ctx.read(fd, out, at)).toBe(5000);
  expect(out.equals(data)).toBe(true);
  // The high half alone is not enough: a position 4 GiB lower sees a hole.
  const hole = Buffer.alloc(5000, 1);
  expect(await ctx.read(fd, hole, at - 2 ** 32)).toBe(5000);
  expect(hole.every((b) => b === 0)).toBe(true);
  fs.closeSync(fd);
});

test('bigints above 2^53 reach the kernel intact', async () => {
  const { fd } = tmpFile();
  await ctx.write(fd, Buffer.from('x'), 0);
  // Past the end of file: a read is 0, a write is beyond what ext4 allows.
  expect(await ctx.read(fd, Buffer.alloc(8), 2n ** 60n)).toBe(0);
  await expect(ctx.write(fd, Buffer.from('y'), 2n ** 60n)).rejects.toMatchObject({ code: 'EFBIG', syscall: 'write' });
  // pos + length overflowing 2^63 is the kernel's EINVAL.
  await expect(ctx.write(fd, Buffer.from('yy'), 2n ** 63n - 1n)).rejects.toMatchObject({ code: 'EINVAL' });
  fs.closeSync(fd);
});

test('out-of-range positions reject with ERR_OUT_OF_RANGE; wrong types with ERR_INVALID_ARG_TYPE', async () => {
  const { fd } = tmpFile();
  const b = Buffer.alloc(1);
  for (const p of [-1, 1.5, NaN, Infinity, 2 ** 53, -1n, 2n ** 63n]) {
    await expect(ctx.read(fd, b, p)).rejects.toMatchObject({ code: 'ERR_OUT_OF_RANGE' });
  }
  for (const p of ['0', null, undefined, {}, [0]]) {
    await expect(ctx.read(fd, b, p)).rejects.toMatchObject({ code: 'ERR_INVALID_ARG_TYPE' });
  }
  expect(await ctx.read(fd, b, Number.MAX_SAFE_INTEGER)).toBe(0);
  fs.closeSync(fd);
});
