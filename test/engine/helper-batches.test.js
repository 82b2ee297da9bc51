// Requests that must run on helper threads (buffered writes on ext4, which
// refuses RWF_NOWAIT for them) are handed over once per turn and submitted in
// batches per fd, in the order they were issued.
'use strict';
const fs = require('fs');
const { AioContext } = require('linux-aio');
const { tmpFile, pattern } = require('../helpers');

test('2,000 buffered writes: batched io_submit calls on the helpers, every byte in place', async () => {
  const ctx = new AioContext({ depth: 64 });
  const { fd, file } = tmpFile();
  const N = 2000;
  const size = 512;
  const src = pattern(N * size, 31);
  // Overlapping pairs: the later write of each pair must win, as issued.
  const writes = [];
  for (let i = 0; i < N; i++) writes.push(ctx.write(fd, src.subarray(i * size, (i + 1) * size), i * size));
  for (let i = 0; i < N; i += 2) writes.push(ctx.write(fd, src.subarray(i * size, (i + 1) * size), (i + 1) * size));
  await Promise.all(writes);
  const content = fs.readFileSync(file);
  for (let i = 0; i < N; i += 2) {
    expect(content.subarray(i * size, (i + 1) * size).equals(src.subarray(i * size, (i + 1) * size))).toBe(true);
    expect(content.subarray((i + 1) * size, (i + 2) * size).equals(src.subarray(i * size, (i + 1) * size))).toBe(true);
  }
  const s = ctx.stats();
  expect(s.submitted).toBe(3000);
  expect(s.completed).toBe(3000);
  // One call per request would be 3,000; batches of a turn's writes make far fewer.
  expect(s.submitCalls).toBeLessThan(1000);
  await ctx.close();
  fs.closeSync(fd);
});
