// Buffered reads of a file that is not in the page cache go to helper threads
// (a miss would start readahead inside io_submit, on the event loop); once
// the file is cached they come back to the inline path. Data is right throughout.
'use strict';
const fs = require('fs');
const os = require('os');
const { AioContext, allocAligned } = require('linux-aio');
const { binding } = require('../../dist/native');
const { tmpFile, pattern, runNode, directSupported, skipNote } = require('../helpers');

const POSIX_FADV_RANDOM = 1;
const POSIX_FADV_DONTNEED = 4;
const BLOCK = 4096;
const BLOCKS = 16384; // 64 MiB

async function randomReads(ctx, fd, src, count) {
  const before = ctx.stats();
  let bad = 0;
  let next = 0;
  await Promise.all(Array.from({ length: 32 }, async () => {
    const buf = Buffer.alloc(BLOCK);
    while (next < count) {
      next++;
      const b = Math.floor(Math.random() * BLOCKS);
      const n = await ctx.read(fd, buf, b * BLOCK);
      if (n !== BLOCK || !buf.equals(src.subarray(b * BLOCK, (b + 1) * BLOCK))) bad++;
    }
  }));
  const after = ctx.stats();
  return { bad, submitCalls: after.submitCalls - before.submitCalls, fallbacks: after.fallbacks - before.fallbacks };
}

test('cold reads move to the helpers after a few misses, and come back once the file is cached', async () => {
  const { fd, file } = tmpFile();
  const src = pattern(BLOCKS * BLOCK, 21);
  fs.writeFileSync(file, src);
  fs.fsyncSync(fd);
  binding.fadvise(fd, 0, 0, POSIX_FADV_DONTNEED); // out of the page cache
  binding.fadvise(fd, 0, 0, POSIX_FADV_RANDOM); // no readahead: every miss stays a miss
  const ctx = new AioContext({ depth: 32 });

  const cold = await randomReads(ctx, fd, src, 3000);
  expect(cold.bad).toBe(0);
  // Without the switch nearly every read would bounce off RWF_NOWAIT (~2,900).
  expect(cold.fallbacks).toBeLessThan(300);

  fs.readFileSync(file); // now it is all cached
  const warm = await randomReads(ctx, fd, src, 3000);
  expect(warm.bad).toBe(0);
  // Hits seen by the helpers bring the fd back: batches go to io_submit again.
  // (Had it stayed cold, the helpers would serve every hit with preadv2 and
  // make no io_submit call at all.)
  expect(warm.submitCalls).toBeGreaterThan(30);
  const s = ctx.stats();
  expect(s.completed).toBe(s.submitted);
  await ctx.close();
  fs.closeSync(fd);
});

// Leaves one block in ten out of the page cache. Evicting single blocks would
// not do: a written file's pages sit in large folios, evicted whole or not at all.
function cacheNineTenths(fd) {
  binding.fadvise(fd, 0, 0, POSIX_FADV_DONTNEED);
  binding.fadvise(fd, 0, 0, POSIX_FADV_RANDOM); // a read (or miss) brings in its own block, no more
  const buf = Buffer.alloc(BLOCK);
  for (let b = 0; b < BLOCKS; b++) if (b % 10 !== 0) fs.readSync(fd, buf, 0, BLOCK, b * BLOCK);
}

test('an fd that misses a tenth of its reads stays inline while the loop never sleeps in io_submit', async () => {
  const { fd, file } = tmpFile();
  const src = pattern(BLOCKS * BLOCK, 23);
  fs.writeFileSync(file, src);
  fs.fsyncSync(fd); // clean pages: only those can be evicted
  cacheNineTenths(fd);
  const ctx = new AioContext({ depth: 32 });
  const first = await randomReads(ctx, fd, src, 1500);
  const { bad, fallbacks } = await randomReads(ctx, fd, src, 1500);
  expect(first.bad + bad).toBe(0);
  // Misses bounce off RWF_NOWAIT to a helper; the hits (nine in ten) stay
  // inline, where they cost about 0.6x the CPU they do on the helpers. Still
  // so after the first 1,500 reads: no run of misses sends the fd there for good.
  expect(fallbacks).toBeGreaterThan(50);
  await ctx.close();
  fs.closeSync(fd);
});

test('an fd whose inline misses made the loop sleep in io_submit stays with the helpers until nearly all its reads hit', () => {
  // LINUX_AIO_FAULTS=io_submit=sleep: every io_submit sleeps 2 ms first, as
  // one whose readahead waits for a free disk request tag does.
  const { fd, file } = tmpFile();
  fs.writeFileSync(file, pattern(BLOCKS * BLOCK, 24));
  fs.fsyncSync(fd); // clean pages: only those can be evicted
  fs.closeSync(fd);
  const code = `
    const fs = require('fs');
    const { AioContext } = require('linux-aio');
    const { binding } = require(${JSON.stringify(require.resolve('../../dist/native'))});
    const [BLOCK, BLOCKS, POSIX_FADV_RANDOM, POSIX_FADV_DONTNEED] = [${BLOCK}, ${BLOCKS}, ${POSIX_FADV_RANDOM}, ${POSIX_FADV_DONTNEED}];
    ${randomReads.toString()}
    ${cacheNineTenths.toString()}
    (async () => {
      const file = ${JSON.stringify(file)};
      const src = fs.readFileSync(file);
      const fd = fs.openSync(file, 'r');
      cacheNineTenths(fd);
      const ctx = new AioContext({ depth: 32 });
      const mixed = await randomReads(ctx, fd, src, 1500);
      fs.readFileSync(file);
      const warm = await randomReads(ctx, fd, src, 1500);
      const s = ctx.stats();
      await ctx.close();
      console.log(JSON.stringify({ mixed, warm, settled: s.completed === s.submitted }));
    })();`;
  const r = runNode(['-e', code], { env: { LINUX_AIO_FAULTS: 'io_submit=sleep' } });
  expect(r.stderr).toBe('');
  const { mixed, warm, settled } = JSON.parse(r.stdout);
  expect(mixed.bad).toBe(0);
  // Only the first misses bounce: without the watch, ~125 did (as above).
  expect(mixed.fallbacks).toBeGreaterThan(0);
  expect(mixed.fallbacks).toBeLessThan(30);
  // All cached: the hits the helpers report bring it back to io_submit.
  expect(warm.bad).toBe(0);
  expect(warm.submitCalls).toBeGreaterThan(30);
  expect(settled).toBe(true);
});

// For the two tests below, in a child with LINUX_AIO_FAULTS=io_submit=sleep:
// makes partly's fd cold by a miss of its in an io_submit that sleeps (the
// fault), together with a read of other's block 5. A read of a FIFO keeps the
// context busy meanwhile (on a stream thread), so that each pair of reads
// waits for the turn's io_submit, together. Pairs go until partly's read
// bounced off RWF_NOWAIT twice running: the first makes the fd one that missed
// lately, whose next io_submit is watched. (A miss can also turn into a hit
// inside the call, when the disk's completion comes in first: hence the loop.)
// Resolves to whether every read read right.
async function sleepyBatch(ctx, partly, other) {
  const fifo = require('path').join(require('os').tmpdir(), `laio-fifo-${process.pid}`);
  require('child_process').execFileSync('mkfifo', [fifo]);
  const fifoFd = fs.openSync(fifo, fs.constants.O_RDWR);
  const busy = ctx.read(fifoFd, Buffer.alloc(1), 0);
  let right = true;
  for (let b = 10, streak = 0; streak < 2 && b < BLOCKS; b += 10) {
    const before = ctx.stats().fallbacks;
    const reads = [[partly, b * BLOCK], [other, 5 * BLOCK]].map(([f, pos]) => ({ f, pos, buf: Buffer.alloc(BLOCK) }));
    const got = await Promise.all(reads.map((r) => ctx.read(r.f.fd, r.buf, r.pos)));
    right &&= reads.every((r, i) => got[i] === BLOCK && r.buf.equals(r.f.src.subarray(r.pos, r.pos + BLOCK)));
    streak = ctx.stats().fallbacks > before ? streak + 1 : 0;
  }
  fs.writeSync(fifoFd, 'x');
  right &&= (await busy) === 1;
  fs.closeSync(fifoFd);
  fs.unlinkSync(fifo);
  return right;
}

// Makes partly cold as sleepyBatch does, beside reads of the cached file's
// block 5; that block and blocks 100-149 are read into the cache first.
async function coldBeside(ctx, partly, cached) {
  cacheNineTenths(partly.fd);
  for (const b of [5, ...Array.from({ length: 50 }, (_, i) => 100 + i)]) fs.readSync(cached.fd, Buffer.alloc(BLOCK), 0, BLOCK, b * BLOCK);
  return sleepyBatch(ctx, partly, cached);
}

// Reads at each position in turn, checked: how many of the context's io_submit
// calls they took (one each inline; none on the helpers, which have their own).
async function calls(ctx, f, positions) {
  const before = ctx.stats().submitCalls;
  for (const pos of positions) {
    const buf = Buffer.alloc(BLOCK);
    const got = await ctx.read(f.fd, buf, pos);
    const want = f.src.subarray(pos, pos + BLOCK);
    if (got !== want.length || !buf.subarray(0, got).equals(want)) throw new Error('wrong data at ' + pos);
  }
  return ctx.stats().submitCalls - before;
}

// Runs body(ctx, files) in a child with LINUX_AIO_FAULTS=io_submit=sleep; each
// file is { file, fd, src } there (src: what pattern() wrote). Returns body's result.
function sleepyChild(files, body) {
  const code = `
    const fs = require('fs');
    const { AioContext } = require('linux-aio');
    const { binding } = require(${JSON.stringify(require.resolve('../../dist/native'))});
    const [BLOCK, BLOCKS, POSIX_FADV_RANDOM, POSIX_FADV_DONTNEED] = [${BLOCK}, ${BLOCKS}, ${POSIX_FADV_RANDOM}, ${POSIX_FADV_DONTNEED}];
    ${pattern.toString()}
    ${cacheNineTenths.toString()}
    ${sleepyBatch.toString()}
    ${coldBeside.toString()}
    ${calls.toString()}
    ${helperSwitches.toString()}
    (async () => {
      const files = ${JSON.stringify(files)}.map((f) => ({ file: f.file, src: pattern(f.bytes, f.seed), fd: fs.openSync(f.file, 'r') }));
      const ctx = new AioContext({ depth: 32 });
      const out = await (${body.toString()})(ctx, files);
      out.fallbacks = ctx.stats().fallbacks;
      await ctx.close();
      console.log(JSON.stringify(out));
    })();`;
  const r = runNode(['-e', code], { env: { LINUX_AIO_FAULTS: 'io_submit=sleep' } });
  expect(r.stderr).toBe('');
  return JSON.parse(r.stdout);
}

// A file written with O_DIRECT: none of it is in the page cache, so its
// misses are sure (a file written or read through the cache is not reliably
// evicted by POSIX_FADV_DONTNEED: now and then a block stays).
function uncachedFile(bytes, seed) {
  const { file } = tmpFile();
  const fd = fs.openSync(file, fs.constants.O_WRONLY | fs.constants.O_DIRECT);
  const whole = Math.ceil(bytes / BLOCK) * BLOCK;
  const buf = allocAligned(whole, BLOCK);
  pattern(bytes, seed).copy(buf);
  fs.writeSync(fd, buf, 0, whole, 0);
  fs.ftruncateSync(fd, bytes);
  fs.closeSync(fd);
  return { file, bytes, seed };
}

const direct = directSupported(os.tmpdir());
const testDirect = direct ? test : test.skip;
if (!direct) skipNote('cold reads after a sleeping io_submit', `${os.tmpdir()} takes no O_DIRECT, which these tests write their files with`);

testDirect('a cached file read in the same io_submit as a miss that made the loop sleep stays inline', () => {
  const files = [uncachedFile(BLOCKS * BLOCK, 25), uncachedFile(BLOCKS * BLOCK, 26)];
  const out = sleepyChild(files, async (ctx, [partly, cached]) => {
    const right = await coldBeside(ctx, partly, cached);
    // Cached blocks of each file, one at a time.
    const cachedCalls = await calls(ctx, cached, Array.from({ length: 50 }, (_, i) => (100 + i) * BLOCK));
    const partlyCalls = await calls(ctx, partly, Array.from({ length: 50 }, (_, i) => (101 + 10 * i) * BLOCK));
    return { right, cachedCalls, partlyCalls };
  });
  expect(out.right).toBe(true);
  expect(out.fallbacks).toBeGreaterThan(0); // the partly cached file did miss inline
  // The partly cached file went to the helpers (its hits take none of this
  // context's io_submit calls); the cached file stayed inline (one each).
  expect(out.partlyCalls).toBeLessThan(5);
  expect(out.cachedCalls).toBeGreaterThan(45);
});

testDirect('a cold fd number closed and opened again on a cached file starts afresh: its reads stay inline', () => {
  const files = [uncachedFile(BLOCKS * BLOCK, 28), uncachedFile(BLOCKS * BLOCK, 29)];
  const out = sleepyChild(files, async (ctx, [partly, cached]) => {
    const right = await coldBeside(ctx, partly, cached);
    const partlyCalls = await calls(ctx, partly, Array.from({ length: 20 }, (_, i) => (101 + 10 * i) * BLOCK));
    // The cold fd's number now names the cached file.
    const number = partly.fd;
    fs.closeSync(partly.fd);
    // An open takes the lowest free number: should a lower one be free, hold it.
    const held = [];
    let fd;
    while ((fd = fs.openSync(cached.file, 'r')) < number) held.push(fd);
    held.forEach((h) => fs.closeSync(h));
    const reopened = { src: cached.src, fd };
    const reopenedCalls = await calls(ctx, reopened, Array.from({ length: 50 }, (_, i) => (100 + i) * BLOCK));
    return { right, partlyCalls, sameNumber: reopened.fd === number, reopenedCalls };
  });
  expect(out.right).toBe(true);
  expect(out.partlyCalls).toBeLessThan(5); // cold: on the helpers
  expect(out.sameNumber).toBe(true);
  // Had the number kept the other file's heat, these would have gone to the helpers.
  expect(out.reopenedCalls).toBeGreaterThan(45);
});

testDirect('reads that stop at the end of the file count as hits on the helpers: a cold file comes back', () => {
  const file = uncachedFile(BLOCKS * BLOCK + 100, 27);
  const out = sleepyChild([file], async (ctx, [f]) => {
    cacheNineTenths(f.fd);
    fs.readSync(f.fd, Buffer.alloc(BLOCK), 0, BLOCK, BLOCKS * BLOCK); // the last 100 bytes, cached too
    const right = await sleepyBatch(ctx, f, f);
    const tail = (n) => Array(n).fill(BLOCKS * BLOCK); // 100 bytes each, a hit
    // Helper threads sleep between jobs: their switches count the reads they took.
    let before = helperSwitches();
    await calls(ctx, f, tail(50));
    const first = helperSwitches() - before;
    await calls(ctx, f, tail(300));
    before = helperSwitches();
    await calls(ctx, f, tail(50));
    return { right, first, last: helperSwitches() - before };
  });
  expect(out.right).toBe(true);
  // Cold after the sleep: the first short reads went to the helpers...
  expect(out.first).toBeGreaterThan(25);
  // ...whose hits brought the file back inline (counted as misses, they kept it there).
  expect(out.last).toBeLessThan(10);
});

// Voluntary context switches of the process's helper threads (named laio-helper).
function helperSwitches() {
  let total = 0;
  for (const tid of fs.readdirSync('/proc/self/task')) {
    try {
      if (fs.readFileSync(`/proc/self/task/${tid}/comm`, 'utf8').trim() !== 'laio-helper') continue;
      total += Number(/voluntary_ctxt_switches:\s+(\d+)/.exec(fs.readFileSync(`/proc/self/task/${tid}/status`, 'utf8'))[1]);
    } catch {
      // the thread ended meanwhile
    }
  }
  return total;
}

test('cold reads submitted together share one wait for the disk: fewer helper sleeps than reads', async () => {
  const { fd, file } = tmpFile();
  const src = pattern(BLOCKS * BLOCK, 22);
  fs.writeFileSync(file, src);
  fs.fsyncSync(fd);
  const ctx = new AioContext({ depth: 32 });
  binding.fadvise(fd, 0, 0, POSIX_FADV_DONTNEED);
  binding.fadvise(fd, 0, 0, POSIX_FADV_RANDOM);
  await randomReads(ctx, fd, src, 500); // the fd is known cold from here
  binding.fadvise(fd, 0, 0, POSIX_FADV_DONTNEED);
  const before = helperSwitches();
  const { bad } = await randomReads(ctx, fd, src, 3000);
  const perRead = (helperSwitches() - before) / 3000;
  expect(bad).toBe(0);
  expect(before).toBeGreaterThan(0); // the helpers are there, and named
  // A thread per read, asleep on its page: 1.02 and 1.30 switches per read
  // before reads were taken together, 0.32 after (2 runs each, this VM).
  expect(perRead).toBeLessThan(0.7);
  const s = ctx.stats();
  expect(s.completed).toBe(s.submitted);
  await ctx.close();
  fs.closeSync(fd);
});
