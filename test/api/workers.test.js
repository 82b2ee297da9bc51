// worker_threads: each worker has its own context; exiting or being terminated
// with I/O in flight neither crashes nor leaks a kernel context.
'use strict';
const path = require('path');
const { Worker } = require('worker_threads');
const { tmpDir, aioRings } = require('../helpers');

const script = path.join(__dirname, '..', 'fixtures', 'worker-io.js');

function start(workerData) {
  const w = new Worker(script, { workerData });
  const first = new Promise((resolve, reject) => {
    w.once('message', resolve);
    w.once('error', reject);
  });
  return { w, first };
}

test('two contexts in two worker threads at once', async () => {
  const dir = tmpDir();
  const a = start({ file: `${dir}/a`, seed: 1, count: 500 });
  const b = start({ file: `${dir}/b`, seed: 2, count: 500 });
  const [ra, rb] = await Promise.all([a.first, b.first]);
  for (const r of [ra, rb]) {
    expect(r.bad).toBe(0);
    expect(r.stats.submitted).toBe(1000);
    expect(r.stats.completed).toBe(1000);
  }
  await Promise.all([a.w.terminate(), b.w.terminate()]);
});

test('workers terminated with I/O in flight: no crash, no leaked context', async () => {
  const dir = tmpDir();
  const before = aioRings();
  for (let i = 0; i < 10; i++) {
    const { w, first } = start({ file: `${dir}/t${i}`, seed: i, count: 0, mode: 'terminate' });
    const msg = await first;
    expect(msg.started).toBe(true);
    expect(msg.inFlight).toBeGreaterThan(0);
    await w.terminate();
  }
  // Every worker's context was destroyed with its environment.
  expect(aioRings()).toBe(before);
});
