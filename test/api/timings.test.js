// ctx.timings(): where requests spent their time, per stage.
'use strict';
const fs = require('fs');
const { AioContext, allocAligned } = require('linux-aio');
const { bucketOf, stageTimings, BUCKETS } = require('../../dist/timings');
const { tmpFile } = require('../helpers');

test('every request counted in the kernel stage, one in eight in the others, and the stages are ordered', async () => {
  const { fd } = tmpFile();
  fs.writeSync(fd, Buffer.alloc(1 << 20, 7));
  const ctx = new AioContext({ depth: 4 });
  const bufs = Array.from({ length: 16 }, () => allocAligned(4096));
  for (let round = 0; round < 10; round++) await Promise.all(bufs.map((b, i) => ctx.read(fd, b, i * 4096)));
  const t = ctx.timings();
  expect(ctx.stats().completed).toBe(160);
  expect(t.inKernel.count).toBe(160);
  expect(t.queued.count).toBe(20); // one in eight is timed in JavaScript
  expect(t.delivered.count).toBe(20);
  for (const stage of ['queued', 'inKernel', 'delivered']) {
    expect(t[stage].p50).toBeGreaterThan(0);
    expect(t[stage].p50).toBeLessThanOrEqual(t[stage].p90);
    expect(t[stage].p90).toBeLessThanOrEqual(t[stage].p99);
    expect(t[stage].p99).toBeLessThanOrEqual(t[stage].p999);
  }
  // Sixteen requests at depth 4: most wait for a slot, so the queued stage is not trivial.
  expect(t.queued.p90).toBeGreaterThan(t.delivered.p50);
  await ctx.close();
  expect(ctx.timings().inKernel.count).toBe(160); // kept after close()
  fs.closeSync(fd);
});

test('the buckets: exact below 16 ns, then 8 per power of two, monotonic', () => {
  for (let v = 0; v < 16; v++) expect(bucketOf(v)).toBe(v);
  expect(bucketOf(16)).toBe(16);
  expect(bucketOf(31)).toBe(23);
  expect(bucketOf(32)).toBe(24);
  expect(bucketOf(2 ** 40)).toBe(BUCKETS - 1);
  let last = 0;
  for (let v = 1; v < 1e10; v *= 1.07) {
    const b = bucketOf(v);
    expect(b).toBeGreaterThanOrEqual(last);
    last = b;
  }
  const counts = new Float64Array(BUCKETS);
  counts[bucketOf(1000)] = 99;
  counts[bucketOf(1e6)] = 1;
  const s = stageTimings(counts);
  expect(s.count).toBe(100);
  expect(s.p50).toBeGreaterThan(0.9);
  expect(s.p50).toBeLessThan(1.1);
  expect(s.p999).toBeGreaterThan(900);
});
