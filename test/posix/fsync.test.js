// aio_fsync: a barrier over the writes queued before it on the same fd.
'use strict';
const fs = require('fs');
const { aio, cb, thread, turns, until, fifo } = require('./util');
const { tmpFile, pattern } = require('../helpers');

aio.aio_init({ aio_num: 8 });

test('an aio_fsync behind slow writes completes after all of them', async () => {
  const { fd } = tmpFile();
  const log = [];
  // Big buffered writes, more of them than the depth: most wait in user space.
  const writes = Array.from({ length: 24 }, (_, i) => cb(fd, i * (1 << 20), pattern(1 << 20, i)));
  writes.forEach((w, i) => {
    w.aio_sigevent = thread(log, `w${i}`, w);
    aio.aio_write(w);
  });
  const f = { aio_fildes: fd };
  f.aio_sigevent = thread(log, 'fsync', f);
  aio.aio_fsync(aio.O_SYNC, f);
  // A later write is not covered: the fsync does not wait for it.
  const late = cb(fd, 100 << 20, Buffer.from('late'));
  aio.aio_write(late);
  await until(() => log.some((e) => e.name === 'fsync'));
  const at = log.findIndex((e) => e.name === 'fsync');
  expect(log[at].status).toBe(0);
  expect(log.slice(0, at).map((e) => e.name).sort()).toEqual(writes.map((_, i) => `w${i}`).sort());
  expect(aio.aio_return(f)).toBe(0);
  await until(() => aio.aio_error(late) !== aio.EINPROGRESS);
  fs.closeSync(fd);
});

test('a held aio_fsync can be cancelled; one whose writes are done goes to the kernel', async () => {
  const { fd } = tmpFile();
  const f1 = fifo();
  // Eight FIFO reads fill the depth, so the write waits in user space and the
  // fsync behind it is held.
  const blockers = Array.from({ length: 8 }, () => cb(f1.fd, 0, Buffer.alloc(1)));
  blockers.forEach((b) => aio.aio_read(b));
  await turns(2);
  const w = cb(fd, 0, Buffer.from('x'));
  aio.aio_write(w);
  const log = [];
  const f = { aio_fildes: fd, aio_buf: 'ignored', aio_nbytes: -5, aio_offset: 'x' };
  f.aio_sigevent = thread(log, 'fsync', f);
  aio.aio_fsync(aio.O_DSYNC, f);
  expect(aio.aio_error(f)).toBe(aio.EINPROGRESS);
  expect(aio.aio_cancel(fd, f)).toBe(aio.AIO_CANCELED);
  expect(aio.aio_error(f)).toBe(aio.ECANCELED);
  expect(aio.aio_return(f)).toBe(-1);
  await until(() => log.length === 1);
  expect(log[0]).toEqual({ name: 'fsync', status: aio.ECANCELED });
  f1.feed('12345678');
  await until(() => aio.aio_error(w) !== aio.EINPROGRESS);
  expect(aio.aio_error(w)).toBe(0);
  // With nothing outstanding on the fd, an fsync runs at once.
  const g = { aio_fildes: fd };
  aio.aio_fsync(aio.O_SYNC, g);
  await until(() => aio.aio_error(g) !== aio.EINPROGRESS);
  expect(aio.aio_error(g)).toBe(0);
  f1.close();
  fs.closeSync(fd);
});

test('aio_fsync errors it throws: EINVAL for a bad op or sigevent, EBADF for an fd not open', () => {
  const { fd } = tmpFile();
  for (const op of [0, 1, aio.O_SYNC | 1, '1052672', undefined]) {
    expect(() => aio.aio_fsync(op, { aio_fildes: fd })).toThrow(expect.objectContaining({ code: 'EINVAL' }));
  }
  expect(() => aio.aio_fsync(aio.O_SYNC, { aio_fildes: fd, aio_sigevent: { sigev_notify: 9 } })).toThrow(expect.objectContaining({ code: 'EINVAL' }));
  expect(() => aio.aio_fsync(aio.O_SYNC, null)).toThrow(expect.objectContaining({ code: 'EINVAL' }));
  for (const bad of [100000, -1, 'x', 1.5]) {
    expect(() => aio.aio_fsync(aio.O_SYNC, { aio_fildes: bad })).toThrow(expect.objectContaining({ code: 'EBADF', errno: -9 }));
  }
  fs.closeSync(fd);
});
