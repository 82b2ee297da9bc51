// aio_cancel: what waits in user space is cancelled, what is in the kernel runs on.
'use strict';
const fs = require('fs');
const { aio, cb, thread, turns, until, started, fifo } = require('./util');
const { tmpFile, pattern } = require('../helpers');

aio.aio_init({ aio_num: 2 });

test('queued beyond the depth: AIO_CANCELED, ECANCELED, notification; started: AIO_NOTCANCELED', async () => {
  // Two FIFO reads, one per FIFO: each starts on its own helper and waits.
  const f = fifo();
  const g = fifo();
  const { fd, file } = tmpFile();
  const inKernel = [cb(f.fd, 0, Buffer.alloc(1)), cb(g.fd, 0, Buffer.alloc(1))];
  inKernel.forEach((c) => aio.aio_read(c));
  await turns(2);
  await started(2);
  const log = [];
  const queued = Array.from({ length: 5 }, (_, i) => cb(fd, i, Buffer.from([65 + i])));
  queued.forEach((c, i) => {
    c.aio_sigevent = thread(log, `q${i}`, c);
    aio.aio_write(c);
  });
  expect(aio.aio_cancel(fd, queued[1])).toBe(aio.AIO_CANCELED);
  expect(aio.aio_cancel(fd, queued[1])).toBe(aio.AIO_ALLDONE); // already final
  expect(aio.aio_cancel(f.fd, inKernel[0])).toBe(aio.AIO_NOTCANCELED);
  expect(aio.aio_error(inKernel[0])).toBe(aio.EINPROGRESS); // untouched
  // Every request on the fd: the rest of the queue.
  expect(aio.aio_cancel(fd)).toBe(aio.AIO_CANCELED);
  expect(queued.map((c) => aio.aio_error(c))).toEqual(queued.map(() => aio.ECANCELED));
  expect(queued.map((c) => aio.aio_return(c))).toEqual(queued.map(() => -1));
  await until(() => log.length === 5);
  expect(log.every((e) => e.status === aio.ECANCELED)).toBe(true);
  // On the FIFO: one in the kernel, so AIO_NOTCANCELED for all of them.
  expect(aio.aio_cancel(f.fd, null)).toBe(aio.AIO_NOTCANCELED);
  f.feed('a');
  g.feed('b');
  await until(() => inKernel.every((c) => aio.aio_error(c) === 0));
  expect(aio.aio_cancel(f.fd)).toBe(aio.AIO_ALLDONE); // nothing outstanding
  expect(fs.readFileSync(file, 'utf8')).toBe(''); // no cancelled write ran
  f.close();
  g.close();
  fs.closeSync(fd);
});

test('a completed request: AIO_ALLDONE; its status stays', async () => {
  const { fd } = tmpFile();
  const c = cb(fd, 0, pattern(10));
  aio.aio_write(c);
  await until(() => aio.aio_error(c) !== aio.EINPROGRESS);
  expect(aio.aio_cancel(fd, c)).toBe(aio.AIO_ALLDONE);
  expect(aio.aio_return(c)).toBe(10);
  fs.closeSync(fd);
});

test('EBADF for an fd that is not open; EINVAL when cb.aio_fildes is not fd', () => {
  const { fd } = tmpFile();
  for (const bad of [100000, -1, 'x']) expect(() => aio.aio_cancel(bad)).toThrow(expect.objectContaining({ code: 'EBADF' }));
  expect(() => aio.aio_cancel(fd, cb(fd + 1, 0, Buffer.alloc(1)))).toThrow(expect.objectContaining({ code: 'EINVAL' }));
  expect(() => aio.aio_cancel(fd, 7)).toThrow(expect.objectContaining({ code: 'EINVAL' }));
  expect(aio.aio_cancel(fd, cb(fd, 0, Buffer.alloc(1)))).toBe(aio.AIO_ALLDONE); // never queued
  fs.closeSync(fd);
});
