// Regression (found by the soak test): a buffered read that the package issues
// with RWF_NOWAIT stops at the first page that is not in the page cache and
// reports a short count. That count is not the read's result: the request must
// be finished blocking, and the caller must get every byte.
'use strict';
const fs = require('fs');
const path = require('path');
const { AioContext } = require('linux-aio');
const { binding } = require(path.join(path.dirname(require.resolve('linux-aio')), 'native.js'));
const { tmpFile, pattern } = require('../helpers');

const POSIX_FADV_RANDOM = 1;
const POSIX_FADV_DONTNEED = 4;

// Leaves exactly the first half of the file in the page cache: evict it all,
// then read the first half through an fd with readahead off.
function cacheFirstHalf(file, size) {
  const fd = fs.openSync(file, 'r');
  binding.fadvise(fd, 0, 0, POSIX_FADV_DONTNEED);
  binding.fadvise(fd, 0, 0, POSIX_FADV_RANDOM);
  fs.readSync(fd, Buffer.alloc(size / 2), 0, size / 2, 0);
  fs.closeSync(fd);
}

test('reads over a file whose second half was evicted return every byte', async () => {
  const ctx = new AioContext({ depth: 8 });
  const size = 1 << 20;
  let full = 0;
  for (let round = 0; round < 8; round++) {
    const { fd, file } = tmpFile('w+', `f${round}`);
    const data = pattern(size, round + 1);
    fs.writeSync(fd, data, 0, size, 0);
    fs.fsyncSync(fd); // clean pages can be evicted
    const out = Buffer.alloc(size);
    cacheFirstHalf(file, size);
    const n = await ctx.read(fd, out, 0);
    expect(n).toBe(size);
    expect(out.equals(data)).toBe(true);
    // And vectored, evicted again.
    cacheFirstHalf(file, size);
    const parts = [Buffer.alloc(size / 4), Buffer.alloc((3 * size) / 4)];
    expect(await ctx.readv(fd, parts, 0)).toBe(size);
    expect(Buffer.concat(parts).equals(data)).toBe(true);
    // A short read at the real end of file stays short.
    const tail = Buffer.alloc(8192);
    expect(await ctx.read(fd, tail, size - 100)).toBe(100);
    expect(tail.subarray(0, 100).equals(data.subarray(size - 100))).toBe(true);
    full++;
    fs.closeSync(fd);
  }
  expect(full).toBe(8);
  await ctx.close();
});

test('a short read from a FIFO is the true result: nothing is read twice or lost', async () => {
  const { execFileSync } = require('child_process');
  const path = `${require('../helpers').tmpDir()}/fifo`;
  execFileSync('mkfifo', [path]);
  const fd = fs.openSync(path, 'r+');
  const ctx = new AioContext({ depth: 4 });
  fs.writeSync(fd, 'abc');
  const buf = Buffer.alloc(10);
  expect(await ctx.read(fd, buf, 0)).toBe(3); // what was there, at once
  expect(buf.subarray(0, 3).toString()).toBe('abc');
  fs.writeSync(fd, 'defg');
  expect(await ctx.read(fd, buf, 0)).toBe(4);
  expect(buf.subarray(0, 4).toString()).toBe('defg');
  await ctx.close();
  fs.closeSync(fd);
});
