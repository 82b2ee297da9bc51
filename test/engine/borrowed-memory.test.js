// Buffered requests that the kernel runs inside io_submit use the caller's own
// memory (no copy through scratch): the native submit does not return, so no
// JavaScript runs, before the kernel is done with it. Requests that outlive the
// call (O_DIRECT, a re-issue on a helper) copy. stats().copied tells which.
'use strict';
const fs = require('fs');
const path = require('path');
const { AioContext, allocAligned } = require('linux-aio');
const { binding } = require('../../dist/native');
const { tmpDir, tmpFile, pattern, runNode, directSupported } = require('../helpers');

const POSIX_FADV_RANDOM = 1;
const POSIX_FADV_DONTNEED = 4;

/** A view of `size` bytes at a 4096-aligned address inside an ordinary ArrayBuffer. */
function plainAligned(size) {
  const ab = new ArrayBuffer(size + 4096);
  return Buffer.from(ab, binding.alignOffset(ab, 4096), size);
}

test('cached reads into ordinary buffers are not copied', async () => {
  const { fd, file } = tmpFile();
  const data = pattern(131072, 3);
  fs.writeFileSync(file, data); // and so cached
  const ctx = new AioContext();
  const back = Buffer.alloc(65536);
  expect(await ctx.read(fd, back, 65536)).toBe(65536); // inside io_submit
  expect(back.equals(data.subarray(65536))).toBe(true);
  const parts = [Buffer.alloc(10), new Uint8Array(65526)];
  expect(await ctx.readv(fd, parts, 0)).toBe(65536);
  expect(Buffer.concat(parts).equals(data.subarray(0, 65536))).toBe(true);
  expect(ctx.stats()).toMatchObject({ copied: 0, fallbacks: 0 });
  // ext4 refuses RWF_NOWAIT for buffered writes: they run on a helper, and copy.
  await ctx.write(fd, Buffer.from('xyz'), 0);
  expect(fs.readFileSync(file).subarray(0, 4).toString('latin1')).toBe('xyz' + data.toString('latin1', 3, 4));
  await ctx.close();
});

test('O_DIRECT requests copy ordinary buffers, and never allocAligned ones', async () => {
  const dir = tmpDir();
  if (!directSupported(dir)) {
    console.log(`skipped: ${dir} has no O_DIRECT`);
    return;
  }
  const fd = fs.openSync(path.join(dir, 'd'), fs.constants.O_CREAT | fs.constants.O_RDWR | fs.constants.O_DIRECT);
  const ctx = new AioContext();
  const owned = allocAligned(4096);
  owned.fill(7);
  await ctx.write(fd, owned, 0);
  await ctx.read(fd, owned, 0);
  expect(ctx.stats().copied).toBe(0);
  const plain = plainAligned(4096);
  expect(await ctx.read(fd, plain, 0)).toBe(4096);
  expect(plain.every((b) => b === 7)).toBe(true);
  plain.fill(9);
  await ctx.write(fd, plain, 4096);
  expect(ctx.stats().copied).toBe(2);
  await ctx.close();
  fs.closeSync(fd);
});

test('a borrowed read that would block is copied before it leaves the call, and lands right', async () => {
  // An evicted file: reads bounce off RWF_NOWAIT to a helper, which must not
  // write into the caller's memory (valid only during the call) but scratch.
  const { fd, file } = tmpFile();
  const src = pattern(8 << 20, 5);
  fs.writeFileSync(file, src);
  fs.fsyncSync(fd);
  binding.fadvise(fd, 0, 0, POSIX_FADV_DONTNEED);
  binding.fadvise(fd, 0, 0, POSIX_FADV_RANDOM);
  const ctx = new AioContext({ depth: 16 });
  const reads = [];
  for (let i = 0; i < 64; i++) {
    const buf = Buffer.alloc(4096);
    const at = ((i * 37) % 2048) * 4096;
    reads.push(ctx.read(fd, buf, at).then((n) => n === 4096 && buf.equals(src.subarray(at, at + 4096))));
  }
  expect(await Promise.all(reads)).toEqual(reads.map(() => true));
  const s = ctx.stats();
  expect(s.fallbacks).toBeGreaterThan(0);
  expect(s.copied).toBeGreaterThanOrEqual(s.fallbacks);
  await ctx.close();
});

test('transferred after the submission: a borrowed read landed within it, a re-issued one never writes into it', () => {
  // In a child: a helper writing into memory after the call would corrupt the
  // clone that now owns it. Each clone holds either the file's bytes (the read
  // ran inside the call: result 4096) or its old bytes untouched (EFAULT).
  const dir = tmpDir();
  const file = path.join(dir, 'f');
  fs.writeFileSync(file, pattern(4 << 20, 9));
  const child = `
    const fs = require('fs');
    const { AioContext } = require(${JSON.stringify(path.join(__dirname, '..', '..'))});
    const { binding } = require(${JSON.stringify(path.join(__dirname, '..', '..', 'dist', 'native'))});
    const src = fs.readFileSync(${JSON.stringify(file)});
    const fd = fs.openSync(${JSON.stringify(file)}, 'r');
    (async () => {
      const out = [];
      for (const cached of [false, true]) {
        const counts = { landed: 0, efault: 0, wrong: 0 };
        // Evicted, the reads bounce to helpers; cached, they run inside the call.
        if (cached) fs.readFileSync(${JSON.stringify(file)});
        else {
          fs.fdatasyncSync(fd); // DONTNEED leaves dirty pages
          binding.fadvise(fd, 0, 0, 4);
          binding.fadvise(fd, 0, 0, 1); // RANDOM: no readahead of the neighbours
        }
        const ctx = new AioContext({ depth: 32 }); // all in one submission; its own: no memory of misses
        await Promise.all(Array.from({ length: 32 }, async (_, i) => {
          const ab = new ArrayBuffer(4096);
          new Uint8Array(ab).fill(0xaa);
          const at = ((i * 61) % 1024) * 4096;
          const p = ctx.read(fd, new Uint8Array(ab), at);
          // After the submission (the engine's setImmediate came first), before the delivery.
          const clone = await new Promise((done) => setImmediate(() => done(structuredClone(ab, { transfer: [ab] }))));
          const got = await p.then((n) => n, (e) => e.code);
          const bytes = Buffer.from(clone);
          if (got === 4096 && bytes.equals(src.subarray(at, at + 4096))) counts.landed++;
          else if (got === 'EFAULT' && bytes.every((b) => b === 0xaa)) counts.efault++;
          else counts.wrong++;
        }));
        await ctx.close();
        out.push(counts);
      }
      console.log(JSON.stringify(out));
    })();
  `;
  const r = runNode(['-e', child]);
  expect({ status: r.status, signal: r.signal, stderr: r.stderr }).toEqual({ status: 0, signal: null, stderr: '' });
  const [evicted, cached] = JSON.parse(r.stdout);
  expect(evicted).toEqual({ landed: expect.any(Number), efault: expect.any(Number), wrong: 0 });
  expect(evicted.efault).toBeGreaterThan(0); // re-issued on helpers: into scratch, then dropped
  expect(cached).toEqual({ landed: 32, efault: 0, wrong: 0 }); // borrowed: done within the call
});
