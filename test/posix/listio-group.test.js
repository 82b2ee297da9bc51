// lio_listio's list group: one notification, after every entry is final and
// after every entry's own notification; the initial reference; cancellation.
'use strict';
const fs = require('fs');
const { aio, cb, thread, turns, until, started, fifo } = require('./util');
const { tmpFile, pattern } = require('../helpers');

// This file's shared context is small, so that lists outrun it.
aio.aio_init({ aio_num: 4 });

test('LIO_NOWAIT: the group notifies once, after the last entry and its own notification', async () => {
  const { fd } = tmpFile();
  const log = [];
  const list = Array.from({ length: 40 }, (_, i) => cb(fd, i * 100, pattern(100, i), { aio_lio_opcode: aio.LIO_WRITE }));
  list.forEach((c, i) => (c.aio_sigevent = thread(log, `e${i}`, c)));
  const groupSeen = [];
  let returned = false;
  aio.lio_listio(aio.LIO_NOWAIT, list, {
    sigev_notify: aio.SIGEV_THREAD,
    sigev_value: 'group',
    sigev_notify_function: (v) => {
      expect(returned).toBe(true);
      groupSeen.push({ v, statuses: list.map((c) => aio.aio_error(c)), entries: log.length });
    },
  });
  returned = true;
  // Right after the call everything is in progress.
  expect(list.every((c) => aio.aio_error(c) === aio.EINPROGRESS)).toBe(true);
  await until(() => groupSeen.length > 0);
  await turns(5);
  expect(groupSeen).toHaveLength(1);
  expect(groupSeen[0].v).toBe('group');
  expect(groupSeen[0].statuses.every((s) => s === 0)).toBe(true);
  expect(groupSeen[0].entries).toBe(40); // every entry had notified before
  // Each entry's notification saw its own final status.
  expect(log.every((e) => e.status === 0)).toBe(true);
  expect(new Set(log.map((e) => e.name)).size).toBe(40);
  fs.closeSync(fd);
});

test('the initial reference: entries completing while the list is still being submitted do not end the group', async () => {
  const { fd } = tmpFile();
  fs.writeFileSync(`/proc/self/fd/${fd}`, pattern(64 * 1024, 3));
  // Hot-cache buffered reads complete inside io_submit; with a depth of 4 the
  // first ones are final long before the last ones reach the kernel.
  const list = Array.from({ length: 200 }, (_, i) => cb(fd, (i * 300) % 60000, Buffer.alloc(300), { aio_lio_opcode: aio.LIO_READ }));
  let fired = 0;
  let pendingAtFire = -1;
  aio.lio_listio(aio.LIO_NOWAIT, list, {
    sigev_notify: aio.SIGEV_THREAD,
    sigev_notify_function: () => {
      fired++;
      pendingAtFire = list.filter((c) => aio.aio_error(c) === aio.EINPROGRESS).length;
    },
  });
  await until(() => fired > 0);
  await turns(5);
  expect(fired).toBe(1);
  expect(pendingAtFire).toBe(0);
  const src = fs.readFileSync(`/proc/self/fd/${fd}`);
  list.forEach((c) => {
    expect(aio.aio_return(c)).toBe(300);
    expect(c.aio_buf.equals(src.subarray(Number(c.aio_offset), Number(c.aio_offset) + 300))).toBe(true);
  });
  fs.closeSync(fd);
});

test('LIO_WAIT resolves only when every entry is final', async () => {
  const { fd } = tmpFile();
  const list = Array.from({ length: 30 }, (_, i) => cb(fd, i * 512, pattern(512, i), { aio_lio_opcode: aio.LIO_WRITE }));
  await aio.lio_listio(aio.LIO_WAIT, list);
  expect(list.map((c) => aio.aio_error(c))).toEqual(list.map(() => 0));
  expect(list.map((c) => aio.aio_return(c))).toEqual(list.map(() => 512));
  fs.closeSync(fd);
});

test('a cancelled entry still counts in its group, and LIO_WAIT then rejects with EIO', async () => {
  const { fd } = tmpFile();
  // Four FIFO reads, one per FIFO, fill the depth and start (each waits on its
  // own helper); the writes wait in user space.
  const fs4 = Array.from({ length: 4 }, () => fifo());
  const blockers = fs4.map((f) => cb(f.fd, 0, Buffer.alloc(1), { aio_lio_opcode: aio.LIO_READ }));
  const writes = Array.from({ length: 6 }, (_, i) => cb(fd, i * 10, pattern(10, i), { aio_lio_opcode: aio.LIO_WRITE }));
  const log = [];
  writes[2].aio_sigevent = thread(log, 'cancelled', writes[2]);
  const p = aio.lio_listio(aio.LIO_WAIT, [...blockers, ...writes]);
  await turns(2);
  await started(4); // the blockers run
  expect(aio.aio_cancel(fd, writes[2])).toBe(aio.AIO_CANCELED);
  expect(aio.aio_error(writes[2])).toBe(aio.ECANCELED);
  expect(aio.aio_return(writes[2])).toBe(-1);
  // The FIFO reads have started: not cancellable.
  expect(aio.aio_cancel(fs4[0].fd, blockers[0])).toBe(aio.AIO_NOTCANCELED);
  let settled = false;
  p.catch(() => (settled = true));
  await turns(3);
  expect(settled).toBe(false); // the blockers still hold the group
  for (const f of fs4) f.feed('a');
  await expect(p).rejects.toMatchObject({ code: 'EIO', errno: -5 });
  expect(log).toEqual([{ name: 'cancelled', status: aio.ECANCELED }]);
  expect(writes.map((c) => aio.aio_error(c))).toEqual([0, 0, aio.ECANCELED, 0, 0, 0]);
  expect(blockers.map((c) => aio.aio_return(c))).toEqual([1, 1, 1, 1]);
  for (const f of fs4) f.close();
  fs.closeSync(fd);
});

test('all LIO_NOP or null: LIO_WAIT resolves; LIO_NOWAIT notifies once, right after the call', async () => {
  const { fd } = tmpFile();
  const nop = cb(fd, 0, Buffer.alloc(4), { aio_lio_opcode: aio.LIO_NOP, aio_sigevent: { sigev_notify: aio.SIGEV_THREAD, sigev_notify_function: () => nopFired++ } });
  let nopFired = 0;
  await expect(aio.lio_listio(aio.LIO_WAIT, [nop, null, nop])).resolves.toBeUndefined();
  await expect(aio.lio_listio(aio.LIO_WAIT, [])).resolves.toBeUndefined();
  let fired = 0;
  let inCall = true;
  aio.lio_listio(aio.LIO_NOWAIT, [null, nop], {
    sigev_notify: aio.SIGEV_THREAD,
    sigev_notify_function: () => {
      expect(inCall).toBe(false);
      fired++;
    },
  });
  inCall = false;
  expect(fired).toBe(0);
  await turns(3);
  expect(fired).toBe(1);
  expect(nopFired).toBe(0); // a LIO_NOP entry never notifies
  expect(() => aio.aio_error(nop)).toThrow(expect.objectContaining({ code: 'EINVAL' })); // never queued
  fs.closeSync(fd);
});
