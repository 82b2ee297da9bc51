// allocAligned and directIoAlignment: arguments, alignment, contents.
'use strict';
const fs = require('fs');
const { allocAligned, directIoAlignment } = require('linux-aio');
const { binding } = require('../../dist/native');
const { tmpFile } = require('../helpers');

test('memory starts at a multiple of the alignment', () => {
  for (const alignment of [1, 2, 512, 4096, 65536, 1 << 21]) {
    for (const size of [0, 1, 4096, 12345]) {
      const b = allocAligned(size, alignment);
      expect(b.length).toBe(size);
      // The view starts where the backing store's first aligned byte is.
      expect(b.byteOffset).toBe(binding.alignOffset(b.buffer, alignment));
      expect(b.every((x) => x === 0)).toBe(true);
    }
  }
  expect(allocAligned(10).length).toBe(10);
});

test('large blocks: aligned, zeroed, independent, in huge pages where THP allows', () => {
  // 2 MiB and more are mapped on their own (owned_memory.h), also with an
  // alignment above 2 MiB, and cut to whole pages: neighbours never overlap.
  const sizes = [2 << 20, (2 << 20) + 1, 5 * 4096 + (4 << 20)];
  const blocks = [];
  for (const alignment of [4096, 1 << 21, 1 << 23]) {
    for (const size of sizes) {
      const b = allocAligned(size, alignment);
      expect(b.length).toBe(size);
      expect(b.byteOffset).toBe(binding.alignOffset(b.buffer, alignment));
      expect(b.every((x) => x === 0)).toBe(true);
      b.fill(blocks.length + 1);
      blocks.push(b);
    }
  }
  blocks.forEach((b, i) => expect(b.every((x) => x === i + 1)).toBe(true));

  const thp = fs.readFileSync('/sys/kernel/mm/transparent_hugepage/enabled', 'utf8');
  if (/\[never\]/.test(thp)) {
    console.log('huge-page check skipped: transparent huge pages are off here');
    return;
  }
  const huge = () => Number(/AnonHugePages:\s+(\d+)/.exec(fs.readFileSync('/proc/self/smaps_rollup', 'utf8'))[1]);
  const before = huge();
  const big = allocAligned(64 << 20);
  big.fill(1);
  // The kernel may lack free huge pages at the moment; most of 64 MiB is enough.
  expect(huge() - before).toBeGreaterThanOrEqual(32 << 10);
});

test('bad arguments throw with Node codes', () => {
  expect(() => allocAligned('1')).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARG_TYPE' }));
  expect(() => allocAligned(1, '4096')).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARG_TYPE' }));
  for (const size of [-1, 1.5, NaN, Infinity, 2 ** 53]) {
    expect(() => allocAligned(size)).toThrow(expect.objectContaining({ code: 'ERR_OUT_OF_RANGE' }));
  }
  for (const a of [0, 3, 4095, -4096, 1.5, 2 ** 31]) {
    expect(() => allocAligned(16, a)).toThrow(expect.objectContaining({ code: 'ERR_OUT_OF_RANGE' }));
  }
});

test('directIoAlignment: EBADF for an fd that is not open, type errors', () => {
  const { fd } = tmpFile();
  fs.closeSync(fd);
  expect(() => directIoAlignment(fd)).toThrow(expect.objectContaining({ code: 'EBADF', errno: -9 }));
  expect(() => directIoAlignment('0')).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARG_TYPE' }));
  expect(() => directIoAlignment(-1)).toThrow(expect.objectContaining({ code: 'ERR_OUT_OF_RANGE' }));
});
