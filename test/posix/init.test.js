// aio_init: the shared context's depth, before first use only; one context per thread.
'use strict';
const path = require('path');
const { Worker } = require('worker_threads');
const { aio } = require('./util');

test('aio_init checks its argument', () => {
  for (const bad of [null, 5, { aio_num: 0 }, { aio_num: 1.5 }, { aio_num: '4' }, { aio_num: 70000 }]) {
    expect(() => aio.aio_init(bad)).toThrow(expect.objectContaining({ code: 'EINVAL' }));
  }
  expect(() => aio.aio_init({})).not.toThrow();
});

test('the depth it sets bounds what is in the kernel; later calls are ignored (in a worker: its own context)', async () => {
  const w = new Worker(path.join(__dirname, 'fixtures', 'init-worker.js'));
  const out = await new Promise((resolve, reject) => {
    w.once('message', resolve);
    w.once('error', reject);
  });
  await w.terminate();
  // aio_num 3: of 10 FIFO reads, 3 reach the kernel and 7 can be cancelled.
  expect(out).toEqual({ canceled: 7, notCanceled: 3 });
});
