// aio_suspend: resolves when any listed request is final; EAGAIN on timeout.
'use strict';
const fs = require('fs');
const { aio, cb, until, fifo } = require('./util');
const { tmpFile } = require('../helpers');

test('resolves at once for a final request, an empty list, or only nulls', async () => {
  const { fd } = tmpFile();
  const c = cb(fd, 0, Buffer.alloc(1));
  aio.aio_read(c);
  await until(() => aio.aio_error(c) !== aio.EINPROGRESS);
  await expect(aio.aio_suspend([c])).resolves.toBeUndefined();
  await expect(aio.aio_suspend([])).resolves.toBeUndefined();
  await expect(aio.aio_suspend([null, null])).resolves.toBeUndefined();
  fs.closeSync(fd);
});

test('waits for one of several; times out with EAGAIN while all are in progress', async () => {
  const f = fifo();
  const a = cb(f.fd, 0, Buffer.alloc(1));
  const b = cb(f.fd, 0, Buffer.alloc(1));
  aio.aio_read(a);
  aio.aio_read(b);
  const t0 = Date.now();
  await expect(aio.aio_suspend([a, null, b], 50)).rejects.toMatchObject({ code: 'EAGAIN', errno: -11 });
  expect(Date.now() - t0).toBeGreaterThanOrEqual(45);
  await expect(aio.aio_suspend([a, b], { tv_sec: 0, tv_nsec: 20e6 })).rejects.toMatchObject({ code: 'EAGAIN' });
  const waiting = aio.aio_suspend([a, b]);
  let resolved = false;
  waiting.then(() => (resolved = true));
  await new Promise((r) => setTimeout(r, 20));
  expect(resolved).toBe(false);
  f.feed('1');
  await waiting;
  expect([aio.aio_error(a), aio.aio_error(b)].filter((s) => s === 0)).toHaveLength(1);
  f.feed('2');
  await aio.aio_suspend([a, b].filter((c) => aio.aio_error(c) === aio.EINPROGRESS));
  expect([aio.aio_return(a), aio.aio_return(b)]).toEqual([1, 1]);
  f.close();
});

test('bad arguments reject with EINVAL', async () => {
  await expect(aio.aio_suspend('x')).rejects.toMatchObject({ code: 'EINVAL' });
  await expect(aio.aio_suspend([5])).rejects.toMatchObject({ code: 'EINVAL' });
  for (const t of [-1, NaN, { tv_sec: 0, tv_nsec: 1e9 }, { tv_sec: -1, tv_nsec: 0 }, { tv_sec: 0.5, tv_nsec: 0 }, 'soon']) {
    await expect(aio.aio_suspend([], t)).rejects.toMatchObject({ code: 'EINVAL' });
  }
});
