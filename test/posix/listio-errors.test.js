// lio_listio's errors: the call's own (EINVAL, nothing submitted) and each
// entry's (its own status; the others go on).
'use strict';
const fs = require('fs');
const { aio, cb, thread, turns, until } = require('./util');
const { tmpFile, pattern } = require('../helpers');

test('a mode that is neither LIO_WAIT nor LIO_NOWAIT throws EINVAL', () => {
  for (const mode of [2, -1, '0', null, undefined, 0.5]) {
    expect(() => aio.lio_listio(mode, [])).toThrow(expect.objectContaining({ code: 'EINVAL', errno: -22 }));
  }
});

describe('call-level EINVAL: nothing is submitted and nothing notifies', () => {
  const { fd, file } = tmpFile();
  const log = [];
  const good = () => cb(fd, 0, Buffer.from('written'), { aio_lio_opcode: aio.LIO_WRITE, aio_sigevent: thread(log, 'entry') });
  const lists = [
    ['not an array', 'nope'],
    ['an array-like object', { length: 1, 0: good() }],
    ['too long', Array.from({ length: aio.AIO_LISTIO_MAX + 1 }, () => null)],
    ['an entry that is a number', [good(), 5]],
    ['an entry that is a string', [good(), 'x']],
  ];
  test.each(lists)('LIO_WAIT, list %s: the promise rejects', async (_n, list) => {
    await expect(aio.lio_listio(aio.LIO_WAIT, list)).rejects.toMatchObject({ code: 'EINVAL' });
  });
  test.each(lists)('LIO_NOWAIT, list %s: throws', (_n, list) => {
    expect(() => aio.lio_listio(aio.LIO_NOWAIT, list)).toThrow(expect.objectContaining({ code: 'EINVAL' }));
  });
  test('LIO_NOWAIT with an invalid sigevent throws', () => {
    for (const sig of [5, { sigev_notify: 99 }, { sigev_notify: aio.SIGEV_THREAD }, { sigev_notify: aio.SIGEV_SIGNAL, sigev_signo: 9 }]) {
      expect(() => aio.lio_listio(aio.LIO_NOWAIT, [good()], sig)).toThrow(expect.objectContaining({ code: 'EINVAL' }));
    }
  });
  test('afterwards: no entry ran, no notification fired', async () => {
    await turns(5);
    expect(log).toEqual([]);
    expect(fs.readFileSync(file, 'utf8')).toBe('');
  });
  test('LIO_WAIT ignores its sigevent, garbage or not', async () => {
    await expect(aio.lio_listio(aio.LIO_WAIT, [], 'garbage')).resolves.toBeUndefined();
    await expect(aio.lio_listio(aio.LIO_WAIT, [], { sigev_notify: 12345 })).resolves.toBeUndefined();
  });
});

test('failing entries in the middle of a list: each has its own status, the others run', async () => {
  const { fd, file } = tmpFile();
  const ro = fs.openSync(file, 'r');
  // Not open (a number freshly closed here could be reused by the shared context's eventfd).
  const closed = 100000;
  const log = [];
  const ok = (i) => cb(fd, i * 10, pattern(10, i), { aio_lio_opcode: aio.LIO_WRITE, aio_sigevent: thread(log, `ok${i}`) });
  const bad = {
    fdMinusOne: cb(-1, 0, Buffer.alloc(4), { aio_lio_opcode: aio.LIO_READ }),
    fdClosed: cb(closed, 0, Buffer.alloc(4), { aio_lio_opcode: aio.LIO_READ }),
    readOnly: cb(ro, 0, Buffer.alloc(4), { aio_lio_opcode: aio.LIO_WRITE, aio_sigevent: thread(log, 'readOnly') }),
    opcode: cb(fd, 0, Buffer.alloc(4), { aio_lio_opcode: 7, aio_sigevent: thread(log, 'opcode') }),
    noOpcode: cb(fd, 0, Buffer.alloc(4)),
    prio: cb(fd, 0, Buffer.alloc(4), { aio_lio_opcode: aio.LIO_READ, aio_reqprio: 21, aio_sigevent: thread(log, 'prio') }),
    sigevent: cb(fd, 0, Buffer.alloc(4), { aio_lio_opcode: aio.LIO_READ, aio_sigevent: { sigev_notify: aio.SIGEV_THREAD } }),
    notView: { aio_fildes: fd, aio_offset: 0, aio_buf: 'abcd', aio_nbytes: 4, aio_lio_opcode: aio.LIO_READ },
    tooMany: { aio_fildes: fd, aio_offset: 0, aio_buf: Buffer.alloc(4), aio_nbytes: 5, aio_lio_opcode: aio.LIO_READ },
    negNbytes: { aio_fildes: fd, aio_offset: 0, aio_buf: Buffer.alloc(4), aio_nbytes: -1, aio_lio_opcode: aio.LIO_READ },
    negOffset: cb(fd, -4096, Buffer.alloc(4), { aio_lio_opcode: aio.LIO_READ }),
    fracOffset: cb(fd, 1.5, Buffer.alloc(4), { aio_lio_opcode: aio.LIO_READ }),
    nullBuf: { aio_fildes: fd, aio_offset: 0, aio_buf: null, aio_nbytes: 3, aio_lio_opcode: aio.LIO_READ },
  };
  const expected = {
    fdMinusOne: 9, fdClosed: 9, readOnly: 9, opcode: 22, noOpcode: 22, prio: 22, sigevent: 22,
    notView: 22, tooMany: 22, negNbytes: 22, negOffset: 22, fracOffset: 22, nullBuf: 22,
  };
  const goods = [0, 1, 2, 3].map(ok);
  const list = [goods[0], ...Object.values(bad).slice(0, 6), goods[1], goods[2], ...Object.values(bad).slice(6), goods[3]];
  const err = await aio.lio_listio(aio.LIO_WAIT, list).catch((e) => e);
  expect(err).toMatchObject({ code: 'EIO', errno: -5, syscall: 'lio_listio' });
  for (const [name, c] of Object.entries(bad)) {
    expect([name, aio.aio_error(c), aio.aio_return(c)]).toEqual([name, expected[name], -1]);
  }
  for (const [i, c] of goods.entries()) {
    expect(aio.aio_error(c)).toBe(0);
    expect(aio.aio_return(c)).toBe(10);
    expect(fs.readFileSync(file).subarray(i * 10, i * 10 + 10).equals(pattern(10, i))).toBe(true);
  }
  // A failed entry's own notification still fires (when its sigevent is valid).
  await until(() => log.length === 7);
  expect(log.map((e) => e.name).sort()).toEqual(['ok0', 'ok1', 'ok2', 'ok3', 'opcode', 'prio', 'readOnly'].sort());
  fs.closeSync(ro);
  fs.closeSync(fd);
});

test('LIO_NOWAIT returns normally whatever the entries hold; failures show only in their status', async () => {
  const { fd } = tmpFile();
  const bad = cb(-1, 0, Buffer.alloc(1), { aio_lio_opcode: aio.LIO_READ });
  const unknown = cb(fd, 0, Buffer.alloc(1), { aio_lio_opcode: 42 });
  let groupFired = 0;
  expect(aio.lio_listio(aio.LIO_NOWAIT, [bad, unknown], { sigev_notify: aio.SIGEV_THREAD, sigev_notify_function: () => groupFired++ })).toBeUndefined();
  await until(() => groupFired === 1);
  expect(aio.aio_error(bad)).toBe(9);
  expect(aio.aio_error(unknown)).toBe(22);
  fs.closeSync(fd);
});
