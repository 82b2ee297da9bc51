// Injected faults (LINUX_AIO_FAULTS, read by the native layer at load): each
// case runs test/fixtures/fault-workload.js in a child process: buffered and
// O_DIRECT writes, writev, fsync, reads and readv checked byte for byte, reads
// past EOF, requests that must fail with EBADF, and a waitSync (lio_listioSync)
// phase. Every request must settle exactly once with its true result.
'use strict';
const fs = require('fs');
const path = require('path');
const { spawn } = require('child_process');
const { AioContext } = require('linux-aio');
const { tmpFile, pattern } = require('../helpers');

const script = path.join(__dirname, '..', 'fixtures', 'fault-workload.js');

function run(faults, env = {}) {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [script], {
      env: { ...process.env, LINUX_AIO_FAULTS: faults, FAULT_WATCHDOG_MS: '30000', ...env },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('close', (status, signal) => {
      let out = null;
      try {
        out = JSON.parse(stdout.trim().split('\n').pop());
      } catch {
        // reported below
      }
      resolve({ status, signal, stdout, stderr, out });
    });
  });
}

// The properties every run must have, whatever was injected.
function expectAllSettledTruly(r) {
  expect({ status: r.status, signal: r.signal, stderr: r.stderr }).toEqual({ status: 0, signal: null, stderr: '' });
  expect(r.out).not.toBeNull();
  const o = r.out;
  expect(o.hung).toBeUndefined();
  expect(o.problems).toEqual([]);
  expect(o.issued).toBeGreaterThan(600);
  expect(o.settled).toBe(o.issued);
  expect(o.inFlight).toBe(0);
  expect(o.syncSettled).toBe(64);
  // Each request the kernel took was completed once (a lost or doubled
  // completion would break this, or crash the engine's slot bookkeeping).
  expect(o.stats.completed).toBe(o.stats.submitted);
  return o;
}

let baseline;
beforeAll(async () => {
  baseline = (await run('')).out;
});

test('without LINUX_AIO_FAULTS the switch is off and the workload is clean', () => {
  expect(baseline).not.toBeNull();
  expect(baseline.faultsEnabled).toBe(false);
  expect(baseline.problems).toEqual([]);
  expect(baseline.settled).toBe(baseline.issued);
  expect(baseline.stats.requeued).toBe(0);
});

const cases = [
  ['io_submit=EAGAIN%3', 'every 3rd io_submit: EAGAIN (ring full)', (o) => expect(o.stats.requeued).toBeGreaterThan(0)],
  ['io_submit=EAGAIN@1', 'the very first io_submit: EAGAIN with nothing in flight (retry timer)', (o) => expect(o.stats.requeued).toBeGreaterThan(0)],
  ['io_submit=EAGAIN%2', 'every other io_submit: EAGAIN, also on helper threads', (o) => expect(o.stats.requeued).toBeGreaterThan(0)],
  ['io_submit=partial', 'every io_submit takes only half the batch', (o) => expect(o.stats.submitCalls).toBeGreaterThan(baseline.stats.submitCalls)],
  ['io_getevents=EINTR%2,ring=off', 'reaping through io_getevents, every other call EINTR', (o) => {
    expect(o.stats.userReaps).toBe(0);
    expect(o.stats.geteventsCalls).toBeGreaterThan(0);
  }],
  ['io_getevents=EINTR@1,ring=off', 'the first io_getevents: EINTR (retried)', (o) => expect(o.stats.userReaps).toBe(0)],
  ['eventfd_read=EAGAIN%2', 'every other eventfd read fails (the counter stays, poll fires again)', () => {}],
  ['eventfd_read=EIO@3', 'one eventfd read fails', () => {}],
  ['io_setup=EAGAIN@1', 'the first io_setup: EAGAIN, explained', (o) => {
    expect(o.setupErrors).toHaveLength(1);
    expect(o.setupErrors[0]).toMatchObject({ code: 'EAGAIN', isError: true });
    expect(o.setupErrors[0].message).toMatch(/fs\.aio-nr is \d+.*fs\.aio-max-nr is \d+.*sysctl -w fs\.aio-max-nr=\d+/);
  }],
  ['io_setup=ENOMEM@1', 'the first io_setup: ENOMEM', (o) => {
    expect(o.setupErrors).toEqual([expect.objectContaining({ code: 'ENOMEM', isError: true })]);
  }],
  ['io_submit=EINTR%3,io_getevents=EINTR%3,ring=off,eventfd_read=EINTR%5', 'everything at once', (o) => {
    expect(o.stats.userReaps).toBe(0);
  }],
];

test.concurrent.each(cases)('%s: %s', async (faults, _what, extra) => {
  const r = await run(faults);
  const o = expectAllSettledTruly(r);
  expect(o.faultsEnabled).toBe(true);
  expect(o.backend).toBe('kernel');
  extra(o);
});

// At depth 1 nothing is batched, so the workload makes the same io_submit calls
// with or without faults (at depth 16 the batching follows the machine's load,
// and a faulted run under load could make fewer calls than a quiet baseline).
test.concurrent('io_submit=EINTR%2: every other io_submit fails EINTR and is retried (depth 1)', async () => {
  const env = { FAULT_DEPTH: '1', FAULT_COUNT: '320' };
  const [quiet, r] = await Promise.all([run('', env), run('io_submit=EINTR%2', env)]);
  const base = expectAllSettledTruly(quiet);
  const o = expectAllSettledTruly(r);
  expect(o.faultsEnabled).toBe(true);
  expect(o.stats.submitted).toBe(base.stats.submitted);
  expect(o.stats.submitCalls).toBeGreaterThan(base.stats.submitCalls * 1.5);
});

test.concurrent('io_submit=partial at depth 1 and depth 256', async () => {
  for (const depth of ['1', '256']) {
    const o = expectAllSettledTruly(await run('io_submit=partial,io_getevents=EINTR%2', { FAULT_DEPTH: depth, FAULT_COUNT: '320' }));
    expect(o.faultsEnabled).toBe(true);
  }
});

// Regression: a request io_submit refuses frees its slot without a completion;
// when every slot's request was refused the queue used to stall for good.
test('requests refused by io_submit (EBADF) never stall the ones queued behind them', async () => {
  for (const depth of [1, 2, 3]) {
    const ctx = new AioContext({ depth });
    const { file, fd } = tmpFile();
    const ro = fs.openSync(file, 'r');
    const reqs = [];
    for (let i = 0; i < 12; i++) {
      reqs.push(ctx.write(ro, Buffer.alloc(1), 0).then(() => 'ok', (e) => e.code));
      if (i % 4 === 3) reqs.push(ctx.write(fd, pattern(100, i), i * 100).then((n) => n, (e) => e.code));
    }
    const results = await Promise.race([
      Promise.all(reqs),
      new Promise((r) => setTimeout(() => r(`stalled with ${ctx.inFlight} in flight`), 3000)),
    ]);
    expect(results).toEqual([...Array(3)].flatMap(() => ['EBADF', 'EBADF', 'EBADF', 'EBADF', 100]));
    await ctx.close();
    fs.closeSync(ro);
    fs.closeSync(fd);
  }
});
