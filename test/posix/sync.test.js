// lio_listioSync: blocks the thread until the list is final.
'use strict';
const fs = require('fs');
const { aio, cb, thread, until } = require('./util');
const { tmpFile, pattern, runNode } = require('../helpers');

aio.aio_init({ aio_num: 4 });

test('results are visible when it returns; notifications fire afterwards on the event loop', async () => {
  const { fd } = tmpFile();
  const log = [];
  const data = pattern(64 * 100, 5);
  const writes = Array.from({ length: 100 }, (_, i) =>
    cb(fd, i * 64, data.subarray(i * 64, (i + 1) * 64), { aio_lio_opcode: aio.LIO_WRITE, aio_sigevent: thread(log, `w${i}`) }));
  expect(aio.lio_listioSync(writes)).toBeUndefined();
  expect(writes.every((c) => aio.aio_error(c) === 0 && aio.aio_return(c) === 64)).toBe(true);
  expect(log).toHaveLength(0); // not yet: they wait for the event loop
  const reads = Array.from({ length: 100 }, (_, i) => cb(fd, i * 64, Buffer.alloc(64), { aio_lio_opcode: aio.LIO_READ }));
  aio.lio_listioSync([null, ...reads, { aio_lio_opcode: aio.LIO_NOP }]);
  expect(Buffer.concat(reads.map((c) => c.aio_buf)).equals(data)).toBe(true);
  await until(() => log.length === 100);
  fs.closeSync(fd);
});

test('other requests keep their results and are delivered afterwards', async () => {
  const { fd } = tmpFile();
  const other = cb(fd, 0, Buffer.from('other'));
  const log = [];
  other.aio_sigevent = thread(log, 'other', other);
  aio.aio_write(other);
  aio.lio_listioSync([cb(fd, 100, Buffer.from('mine'), { aio_lio_opcode: aio.LIO_WRITE })]);
  await until(() => log.length === 1);
  expect(log[0]).toEqual({ name: 'other', status: 0 });
  expect(aio.aio_return(other)).toBe(5);
  fs.closeSync(fd);
});

test('throws EIO when an entry failed, EINVAL as lio_listio does', () => {
  const { fd } = tmpFile();
  const bad = cb(-1, 0, Buffer.alloc(1), { aio_lio_opcode: aio.LIO_READ });
  const good = cb(fd, 0, Buffer.from('g'), { aio_lio_opcode: aio.LIO_WRITE });
  expect(() => aio.lio_listioSync([good, bad])).toThrow(expect.objectContaining({ code: 'EIO', errno: -5 }));
  expect([aio.aio_error(good), aio.aio_error(bad)]).toEqual([0, 9]);
  expect(() => aio.lio_listioSync('x')).toThrow(expect.objectContaining({ code: 'EINVAL' }));
  expect(() => aio.lio_listioSync([good, 3])).toThrow(expect.objectContaining({ code: 'EINVAL' }));
  expect(() => aio.lio_listioSync([])).not.toThrow();
  fs.closeSync(fd);
});

test('a first entry io_submit refuses on an idle context: EIO, its EBADF, the others done', () => {
  // The refusal comes inside the call that queues it and would settle in a
  // microtask, which never runs while the thread blocks: a child process, so
  // that a hang is a failed test, not a stuck worker.
  const { file, fd } = tmpFile();
  fs.writeSync(fd, Buffer.from('0123456789'));
  const script = `
    const aio = require(${JSON.stringify(require.resolve('linux-aio'))});
    const fs = require('fs');
    const ro = fs.openSync(${JSON.stringify(file)}, 'r');
    const bad = { aio_fildes: ro, aio_offset: 0, aio_buf: Buffer.from('x'), aio_nbytes: 1, aio_lio_opcode: aio.LIO_WRITE };
    const good = { aio_fildes: ro, aio_offset: 0, aio_buf: Buffer.alloc(10), aio_nbytes: 10, aio_lio_opcode: aio.LIO_READ };
    let code = null;
    try { aio.lio_listioSync([bad, good]); } catch (e) { code = e.code; }
    console.log(JSON.stringify({ code, bad: aio.aio_error(bad), good: aio.aio_return(good), text: good.aio_buf.toString() }));
  `;
  const r = runNode(['-e', script], { timeout: 20000 });
  expect(r.signal).toBe(null); // not killed by the timeout
  expect(JSON.parse(r.stdout)).toEqual({ code: 'EIO', bad: 9, good: 10, text: '0123456789' });
  fs.closeSync(fd);
});
