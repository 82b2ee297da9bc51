// 10,000 requests at depth 16: all settle with the right data, the queue
// beyond the depth waits in user space, and the counters add up.
'use strict';
const fs = require('fs');
const { AioContext } = require('linux-aio');
const { tmpFile, pattern } = require('../helpers');

test('10,000 reads and writes at depth 16', async () => {
  const ctx = new AioContext({ depth: 16 });
  const { fd } = tmpFile();
  const N = 10000;
  const block = 512;
  const src = pattern(N * block, 3);
  fs.writeSync(fd, Buffer.alloc(N * block), 0, N * block, 0);
  const writes = [];
  for (let i = 0; i < N; i++) writes.push(ctx.write(fd, src.subarray(i * block, (i + 1) * block), i * block));
  expect(ctx.inFlight).toBe(N);
  expect((await Promise.all(writes)).every((n) => n === block)).toBe(true);
  expect(ctx.inFlight).toBe(0);
  const outs = Array.from({ length: N }, () => Buffer.alloc(block));
  const reads = outs.map((b, i) => ctx.read(fd, b, i * block));
  expect((await Promise.all(reads)).every((n) => n === block)).toBe(true);
  expect(Buffer.concat(outs).equals(src)).toBe(true);
  const s = ctx.stats();
  expect(s.submitted).toBe(2 * N);
  expect(s.completed).toBe(s.submitted);
  // Batched: far fewer io_submit calls than requests (buffered writes also go to helpers).
  expect(s.submitCalls).toBeLessThan(N);
  expect(s.userReaps + s.geteventsCalls).toBeGreaterThan(0);
  await ctx.close();
  fs.closeSync(fd);
});
