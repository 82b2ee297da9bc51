// Errors: from io_submit and from completions, shaped like Node's fs errors;
// bad arguments reject (never throw) and reach no kernel.
'use strict';
const fs = require('fs');
const { AioContext } = require('linux-aio');
const { tmpFile } = require('../helpers');

let ctx;
beforeAll(() => (ctx = new AioContext({ depth: 8 })));
afterAll(() => ctx.close());

test('writing to a read-only fd: EBADF from io_submit', async () => {
  const { file, fd } = tmpFile();
  const ro = fs.openSync(file, 'r');
  const err = await ctx.write(ro, Buffer.from('x'), 7).catch((e) => e);
  expect(err).toBeInstanceOf(Error);
  expect(err).toMatchObject({ code: 'EBADF', errno: -9, syscall: 'io_submit', fd: ro, position: 7 });
  expect(err.message).toMatch(/^EBADF: .*io_submit.*fd \d+, position 7/);
  fs.closeSync(ro);
  fs.closeSync(fd);
});

test('a well-formed fd that is not open is the kernel\'s EBADF', async () => {
  const { fd } = tmpFile();
  fs.closeSync(fd);
  await expect(ctx.read(fd, Buffer.alloc(1), 0)).rejects.toMatchObject({ code: 'EBADF', syscall: 'io_submit' });
  await expect(ctx.fsync(fd)).rejects.toMatchObject({ code: 'EBADF' });
});


describe('bad arguments', () => {
  const b = Buffer.alloc(4);
  const cases = [
    ['fd string', () => ctx.read('3', b, 0), 'ERR_INVALID_ARG_TYPE'],
    ['fd object', () => ctx.read({}, b, 0), 'ERR_INVALID_ARG_TYPE'],
    ['fd negative', () => ctx.read(-1, b, 0), 'ERR_OUT_OF_RANGE'],
    ['fd fractional', () => ctx.read(1.5, b, 0), 'ERR_OUT_OF_RANGE'],
    ['fd huge', () => ctx.read(2 ** 31, b, 0), 'ERR_OUT_OF_RANGE'],
    ['buffer string', () => ctx.read(0, 'abc', 0), 'ERR_INVALID_ARG_TYPE'],
    ['buffer ArrayBuffer', () => ctx.read(0, new ArrayBuffer(4), 0), 'ERR_INVALID_ARG_TYPE'],
    ['buffer missing', () => ctx.write(0, undefined, 0), 'ERR_INVALID_ARG_TYPE'],
    ['options not object', () => ctx.read(0, b, 0, 5), 'ERR_INVALID_ARG_TYPE'],
    ['signal not a signal', () => ctx.read(0, b, 0, { signal: {} }), 'ERR_INVALID_ARG_TYPE'],
    ['flag not boolean', () => ctx.write(0, b, 0, { flags: { dsync: 1 } }), 'ERR_INVALID_ARG_TYPE'],
    ['fsync fd', () => ctx.fsync('x'), 'ERR_INVALID_ARG_TYPE'],
  ];
  test.each(cases)('%s rejects with %s', async (_name, call, code) => {
    let p;
    expect(() => (p = call())).not.toThrow();
    expect(p).toBeInstanceOf(Promise);
    await expect(p).rejects.toMatchObject({ code });
  });
  test('nothing reached the kernel', () => {
    const s = ctx.stats();
    expect(s.completed).toBe(s.submitted);
    expect(ctx.inFlight).toBe(0);
  });
});

test('context options are checked', () => {
  expect(() => new AioContext({ depth: 0 })).toThrow(expect.objectContaining({ code: 'ERR_OUT_OF_RANGE' }));
  expect(() => new AioContext({ depth: 1.5 })).toThrow(expect.objectContaining({ code: 'ERR_OUT_OF_RANGE' }));
  expect(() => new AioContext({ depth: '8' })).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARG_TYPE' }));
  expect(() => new AioContext(3)).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARG_TYPE' }));
  expect(() => new AioContext({ fallback: 'yes' })).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARG_VALUE' }));
});
