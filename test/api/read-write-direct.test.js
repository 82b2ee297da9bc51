// O_DIRECT reads and writes with aligned buffers: data verified byte for byte.
'use strict';
const fs = require('fs');
const { AioContext, allocAligned, directIoAlignment } = require('linux-aio');
const { tmpDir, pattern, directSupported, skipNote } = require('../helpers');

const dir = tmpDir();
const direct = directSupported(dir);
const maybe = direct ? test : test.skip;
if (!direct) skipNote('O_DIRECT tests', `${dir} does not accept O_DIRECT`);

let ctx;
beforeAll(() => (ctx = new AioContext({ depth: 16 })));
afterAll(() => ctx.close());

function openDirect(name) {
  return fs.openSync(`${dir}/${name}`, fs.constants.O_CREAT | fs.constants.O_RDWR | fs.constants.O_DIRECT);
}

maybe('aligned writes and reads round-trip, in parallel', async () => {
  const fd = openDirect('a');
  const blocks = 64;
  const bufs = Array.from({ length: blocks }, (_, i) => {
    const b = allocAligned(4096);
    pattern(4096, i + 100).copy(b);
    return b;
  });
  // Extending writes: the kernel runs them synchronously, so they take the fallback path.
  await Promise.all(bufs.map((b, i) => ctx.write(fd, b, i * 4096)));
  const outs = Array.from({ length: blocks }, () => allocAligned(4096));
  const got = await Promise.all(outs.map((b, i) => ctx.read(fd, b, i * 4096)));
  expect(got.every((n) => n === 4096)).toBe(true);
  outs.forEach((b, i) => expect(b.equals(bufs[i])).toBe(true));
  // Overwrites of existing blocks go straight to the kernel.
  const again = allocAligned(4096);
  pattern(4096, 7).copy(again);
  expect(await ctx.write(fd, again, 8192)).toBe(4096);
  const check = allocAligned(4096);
  await ctx.read(fd, check, 8192);
  expect(check.equals(again)).toBe(true);
  fs.closeSync(fd);
});

maybe('a misaligned O_DIRECT request fails with EINVAL from its completion', async () => {
  const fd = openDirect('b');
  await ctx.write(fd, allocAligned(8192), 0);
  const aligned = allocAligned(8192);
  // Misaligned memory, position, and length: each one is EINVAL.
  await expect(ctx.read(fd, aligned.subarray(1, 4097), 0)).rejects.toMatchObject({ code: 'EINVAL', errno: -22, syscall: 'read' });
  await expect(ctx.read(fd, aligned.subarray(0, 4096), 100)).rejects.toMatchObject({ code: 'EINVAL', syscall: 'read' });
  await expect(ctx.write(fd, aligned.subarray(0, 100), 0)).rejects.toMatchObject({ code: 'EINVAL', syscall: 'write' });
  fs.closeSync(fd);
});

maybe('directIoAlignment reports what O_DIRECT needs here', () => {
  const fd = openDirect('c');
  const a = directIoAlignment(fd);
  expect(a.memory).toBeGreaterThan(0);
  expect(a.offset).toBeGreaterThan(0);
  expect(a.memory & (a.memory - 1)).toBe(0);
  expect(a.offset & (a.offset - 1)).toBe(0);
  expect(4096 % a.offset).toBe(0);
  fs.closeSync(fd);
});
