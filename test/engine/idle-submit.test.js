// An idle context (nothing queued or in flight) submits a request inside the
// call: there is no batch to gather. Once it is busy, or in the reactions to a
// delivery of several completions, what a turn issues waits for the turn's
// setImmediate and goes in one io_submit. A request refused
// inside the call still settles only after the call has returned.
'use strict';
const fs = require('fs');
const aio = require('linux-aio');
const { AioContext } = aio;
const path = require('path');
const { tmpFile, pattern, runNode } = require('../helpers');

const BLOCK = 512;

function setup(blocks) {
  const { file, fd } = tmpFile();
  const src = pattern(blocks * BLOCK, 7);
  fs.writeSync(fd, src, 0, src.length, 0);
  return { file, fd, src };
}

const turn = () => new Promise((resolve) => setImmediate(resolve));

test('an idle context submits inside the call; a busy one gathers the turn', async () => {
  const ctx = new AioContext({ depth: 32 });
  const { fd, src } = setup(16);
  const outs = Array.from({ length: 16 }, () => Buffer.alloc(BLOCK));
  const before = ctx.stats().submitCalls;
  const first = ctx.read(fd, outs[0], 0);
  expect(ctx.stats().submitCalls).toBe(before + 1);
  const rest = outs.slice(1).map((b, i) => ctx.read(fd, b, (i + 1) * BLOCK));
  await null;
  expect(ctx.stats().submitCalls).toBe(before + 1);
  await turn();
  expect(ctx.stats().submitCalls).toBe(before + 2);
  expect(await Promise.all([first, ...rest])).toEqual(outs.map(() => BLOCK));
  expect(Buffer.concat(outs).equals(src)).toBe(true);
  // Idle again, a turn after that delivery: the next one goes in at once.
  await turn();
  ctx.read(fd, Buffer.alloc(BLOCK), 0);
  expect(ctx.stats().submitCalls).toBe(before + 3);
  await ctx.close();
  fs.closeSync(fd);
});

test("what the reactions to a delivery of several issue goes in one io_submit", async () => {
  const ctx = new AioContext({ depth: 32 });
  const { fd } = setup(16);
  const first = ctx.read(fd, Buffer.alloc(BLOCK), 0); // inside the call
  // One batch at the turn's setImmediate; page-cache hits, delivered together.
  const eight = Array.from({ length: 8 }, (_, i) => ctx.read(fd, Buffer.alloc(BLOCK), i * BLOCK));
  await first;
  expect(await Promise.all(eight)).toEqual(Array(8).fill(BLOCK));
  // Still in the reactions to that delivery: nothing is in flight, yet the
  // next requests wait for the turn's batch rather than go one by one.
  expect(ctx.inFlight).toBe(0);
  const before = ctx.stats().submitCalls;
  const next = Array.from({ length: 8 }, (_, i) => ctx.read(fd, Buffer.alloc(BLOCK), (8 + i) * BLOCK));
  expect(ctx.stats().submitCalls).toBe(before);
  await turn();
  expect(ctx.stats().submitCalls).toBe(before + 1);
  expect(await Promise.all(next)).toEqual(Array(8).fill(BLOCK));
  await ctx.close();
  fs.closeSync(fd);
});

// An fd number that names nothing, well above those open (a lower one would be
// taken by the next context's own eventfd).
function notOpen() {
  for (let fd = 900; ; fd++) {
    try {
      fs.fstatSync(fd);
    } catch {
      return fd;
    }
  }
}

test('a request the kernel refuses inside the call settles after it returns', async () => {
  const fd = notOpen();
  const ctx = new AioContext({ depth: 4 });
  const before = ctx.stats().submitCalls;
  let settled = false;
  const p = ctx.read(fd, Buffer.alloc(BLOCK), 0).catch((err) => {
    settled = true;
    return err;
  });
  expect(ctx.stats().submitCalls).toBe(before + 1); // it reached io_submit, which said EBADF
  await null;
  expect(settled).toBe(false);
  expect((await p).code).toBe('EBADF');

  // A POSIX notification never runs inside the call that queued the request.
  let notified = 0;
  const cb = {
    aio_fildes: fd,
    aio_offset: 0,
    aio_buf: Buffer.alloc(BLOCK),
    aio_nbytes: BLOCK,
    aio_sigevent: { sigev_notify: aio.SIGEV_THREAD, sigev_notify_function: () => notified++ },
  };
  aio.aio_read(cb);
  expect(notified).toBe(0);
  expect(aio.aio_error(cb)).toBe(aio.EINPROGRESS);
  await aio.aio_suspend([cb], { tv_sec: 5, tv_nsec: 0 });
  expect(aio.aio_error(cb)).toBe(9); // EBADF
  await turn();
  expect(notified).toBe(1);
  await ctx.close();
});

test('a request taken back from the queue never makes a later idle one wait for a turn', () => {
  // The first io_submit says "ring full" (EAGAIN): request A goes back to the
  // queue, where it is aborted. Then B, idle, goes in inside its call; so must
  // C, issued in B's reaction with nothing in flight, although A's entry was
  // left behind in the queue.
  const { file } = setup(4);
  const code = `
    const fs = require('fs');
    const { AioContext } = require('linux-aio');
    const fd = fs.openSync(${JSON.stringify(file)}, 'r');
    (async () => {
      const ctx = new AioContext({ depth: 1 });
      const ac = new AbortController();
      const a = ctx.read(fd, Buffer.alloc(${BLOCK}), 0, { signal: ac.signal }).catch((e) => e.name);
      const requeued = ctx.stats().requeued;
      ac.abort();
      const aResult = await a;
      await ctx.read(fd, Buffer.alloc(${BLOCK}), ${BLOCK});
      const before = ctx.stats().submitCalls;
      const c = ctx.read(fd, Buffer.alloc(${BLOCK}), ${2 * BLOCK});
      const inCall = ctx.stats().submitCalls - before;
      console.log(JSON.stringify({ requeued, aResult, inCall, c: await c }));
      await ctx.close();
    })();`;
  const r = runNode(['-e', code], { env: { LINUX_AIO_FAULTS: 'io_submit=EAGAIN@1' }, cwd: path.join(__dirname, '..', '..') });
  expect(r.stderr).toBe('');
  expect(JSON.parse(r.stdout)).toEqual({ requeued: 1, aResult: 'AbortError', inCall: 1, c: BLOCK });
});
