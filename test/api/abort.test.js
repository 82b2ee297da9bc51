// AbortSignal: before submission, while queued in user space, and once in the kernel.
'use strict';
const fs = require('fs');
const { AioContext, AbortError } = require('linux-aio');
const { tmpFile, pattern } = require('../helpers');

const turn = () => new Promise((r) => setImmediate(r));

test('an already-aborted signal rejects at once and submits nothing', async () => {
  const ctx = new AioContext({ depth: 4 });
  const { fd } = tmpFile();
  const ac = new AbortController();
  ac.abort(new Error('why'));
  const err = await ctx.read(fd, Buffer.alloc(4), 0, { signal: ac.signal }).catch((e) => e);
  expect(err).toBeInstanceOf(AbortError);
  expect(err).toMatchObject({ name: 'AbortError', code: 'ABORT_ERR' });
  expect(err.cause.message).toBe('why');
  expect(ctx.stats().submitted).toBe(0);
  await ctx.close();
  fs.closeSync(fd);
});

test('a request still queued in user space is removed and rejects at once', async () => {
  const ctx = new AioContext({ depth: 1 });
  const { fd } = tmpFile();
  const ac = new AbortController();
  const first = ctx.write(fd, pattern(1 << 20), 0);
  const second = ctx.write(fd, Buffer.from('second'), 0, { signal: ac.signal });
  const third = ctx.write(fd, Buffer.from('3'), 1 << 20);
  await turn(); // the first is in the kernel now; the others wait for its slot
  expect(ctx.inFlight).toBe(3);
  let settled = false;
  second.catch(() => (settled = true));
  ac.abort();
  expect(ctx.inFlight).toBe(2); // removed at once
  await expect(second).rejects.toBeInstanceOf(AbortError);
  expect(settled).toBe(true);
  expect(await first).toBe(1 << 20);
  expect(await third).toBe(1);
  // The aborted write never ran.
  const head = Buffer.alloc(6);
  fs.readSync(fd, head, 0, 6, 0);
  expect(head.equals(pattern(1 << 20).subarray(0, 6))).toBe(true);
  expect(ctx.stats().submitted).toBe(2);
  await ctx.close();
  fs.closeSync(fd);
});

test('a request already in the kernel rejects only once the kernel is done with its buffer', async () => {
  const ctx = new AioContext({ depth: 4 });
  const { fd } = tmpFile();
  const data = pattern(65536, 4);
  fs.writeSync(fd, data, 0, data.length, 0);
  const ac = new AbortController();
  const out = Buffer.alloc(65536);
  const p = ctx.read(fd, out, 0, { signal: ac.signal });
  await turn(); // submitted
  ac.abort();
  expect(ctx.inFlight).toBe(1); // still the kernel's
  await expect(p).rejects.toBeInstanceOf(AbortError);
  // The kernel finished the read before the rejection: the buffer holds the data.
  expect(out.equals(data)).toBe(true);
  expect(ctx.inFlight).toBe(0);
  const s = ctx.stats();
  expect(s.completed).toBe(s.submitted);
  await ctx.close();
  fs.closeSync(fd);
});
