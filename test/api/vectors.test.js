// readv / writev: several buffers at one position.
'use strict';
const fs = require('fs');
const { AioContext } = require('linux-aio');
const { tmpFile, pattern } = require('../helpers');

let ctx;
beforeAll(() => (ctx = new AioContext({ depth: 8 })));
afterAll(() => ctx.close());

test('writev then readv round-trips, across buffers of odd sizes', async () => {
  const { fd, file } = tmpFile();
  const parts = [pattern(3, 1), pattern(4096, 2), pattern(1, 3), pattern(777, 4)];
  const total = parts.reduce((n, p) => n + p.length, 0);
  expect(await ctx.writev(fd, parts, 100)).toBe(total);
  expect(fs.readFileSync(file).subarray(100).equals(Buffer.concat(parts))).toBe(true);
  const outs = parts.map((p) => Buffer.alloc(p.length));
  expect(await ctx.readv(fd, outs, 100)).toBe(total);
  outs.forEach((o, i) => expect(o.equals(parts[i])).toBe(true));
  fs.closeSync(fd);
});

test('1024 buffers are fine, 1025 is ERR_OUT_OF_RANGE; an empty vector is 0', async () => {
  const { fd } = tmpFile();
  const many = Array.from({ length: 1024 }, (_, i) => Buffer.from([i & 0xff]));
  expect(await ctx.writev(fd, many, 0)).toBe(1024);
  const back = Array.from({ length: 1024 }, () => Buffer.alloc(1));
  expect(await ctx.readv(fd, back, 0)).toBe(1024);
  expect(back.every((b, i) => b[0] === (i & 0xff))).toBe(true);
  await expect(ctx.readv(fd, [...back, Buffer.alloc(1)], 0)).rejects.toMatchObject({ code: 'ERR_OUT_OF_RANGE' });
  expect(await ctx.readv(fd, [], 0)).toBe(0);
  expect(await ctx.writev(fd, [], 0)).toBe(0);
  fs.closeSync(fd);
});

test('a vector that is not an array of views is ERR_INVALID_ARG_TYPE', async () => {
  const { fd } = tmpFile();
  await expect(ctx.readv(fd, Buffer.alloc(4), 0)).rejects.toMatchObject({ code: 'ERR_INVALID_ARG_TYPE' });
  await expect(ctx.readv(fd, [Buffer.alloc(4), 'x'], 0)).rejects.toMatchObject({ code: 'ERR_INVALID_ARG_TYPE' });
  fs.closeSync(fd);
});
