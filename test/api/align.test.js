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
