// aio_read / aio_write / aio_error / aio_return.
'use strict';
const fs = require('fs');
const { aio, cb, thread, until } = require('./util');
const { tmpFile, tmpDir, pattern } = require('../helpers');

test('EINPROGRESS from the call until the result is known; aio_return repeats its value', async () => {
  const { fd } = tmpFile();
  const w = cb(fd, 0, pattern(4096, 1));
  const log = [];
  w.aio_sigevent = thread(log, 'w', w);
  aio.aio_write(w);
  expect(aio.aio_error(w)).toBe(aio.EINPROGRESS);
  expect(aio.aio_return(w)).toBe(-1);
  await until(() => log.length === 1);
  expect(log[0]).toEqual({ name: 'w', status: 0 }); // the result was visible inside the notification
  expect(aio.aio_return(w)).toBe(4096);
  expect(aio.aio_return(w)).toBe(4096);
  const r = cb(fd, 1000, Buffer.alloc(5000));
  let done = false;
  r.aio_sigevent = { sigev_notify: aio.SIGEV_THREAD, sigev_notify_function: () => (done = true) };
  aio.aio_read(r);
  await until(() => done);
  expect(aio.aio_return(r)).toBe(3096); // short at end of file
  expect(r.aio_buf.subarray(0, 3096).equals(pattern(4096, 1).subarray(1000))).toBe(true);
  fs.closeSync(fd);
});

test('SIGEV_THREAD never runs inside the call that queued the request, even for an immediate failure', async () => {
  const { fd } = tmpFile();
  let returned = false;
  const seen = [];
  const sig = { sigev_notify: aio.SIGEV_THREAD, sigev_value: 42, sigev_notify_function: (v) => seen.push([v, returned]) };
  aio.aio_read(cb(-1, 0, Buffer.alloc(1), { aio_sigevent: sig })); // EBADF, known at once
  aio.aio_read(cb(fd, 0, Buffer.alloc(1), { aio_sigevent: sig }));
  returned = true;
  await until(() => seen.length === 2);
  expect(seen).toEqual([[42, true], [42, true]]);
  fs.closeSync(fd);
});

test('errors the call throws: EINVAL', () => {
  const { fd } = tmpFile();
  const ok = () => cb(fd, 0, Buffer.alloc(1));
  const bad = [
    null,
    5,
    'cb',
    { ...ok(), aio_reqprio: 21 },
    { ...ok(), aio_reqprio: -1 },
    { ...ok(), aio_reqprio: 0.5 },
    { ...ok(), aio_sigevent: { sigev_notify: 77 } },
    { ...ok(), aio_sigevent: { sigev_notify: aio.SIGEV_THREAD } },
    { ...ok(), aio_sigevent: { sigev_notify: aio.SIGEV_SIGNAL, sigev_signo: -1 } },
    { ...ok(), aio_sigevent: { sigev_notify: aio.SIGEV_SIGNAL, sigev_signo: 9 } },
    { ...ok(), aio_sigevent: { sigev_notify: aio.SIGEV_SIGNAL, sigev_signo: 19 } },
    { ...ok(), aio_sigevent: { sigev_notify: aio.SIGEV_SIGNAL, sigev_signo: 65 } },
    { ...ok(), aio_sigevent: 'signal' },
    { ...ok(), aio_buf: 'abc' },
    { ...ok(), aio_buf: new ArrayBuffer(4) },
    { ...ok(), aio_buf: undefined },
  ];
  for (const c of bad) {
    expect(() => aio.aio_read(c)).toThrow(expect.objectContaining({ code: 'EINVAL', errno: -22 }));
    expect(() => aio.aio_write(c)).toThrow(expect.objectContaining({ code: 'EINVAL' }));
  }
  for (const c of [5, null, {}, { aio_fildes: 1 }]) {
    expect(() => aio.aio_error(c)).toThrow(expect.objectContaining({ code: 'EINVAL' }));
    expect(() => aio.aio_return(c)).toThrow(expect.objectContaining({ code: 'EINVAL' }));
  }
  fs.closeSync(fd);
});

test('errors reported through the request, with its notification still firing', async () => {
  const { fd, file } = tmpFile();
  const ro = fs.openSync(file, 'r');
  const wo = fs.openSync(file, 'w');
  const log = [];
  const cases = [
    ['fd -1', 'read', cb(-1, 0, Buffer.alloc(4)), 9],
    ['fd not a number', 'read', cb('3', 0, Buffer.alloc(4)), 9],
    ['fd not open', 'read', cb(100000, 0, Buffer.alloc(4)), 9],
    ['write on read-only fd', 'write', cb(ro, 0, Buffer.alloc(4)), 9],
    ['read on write-only fd', 'read', cb(wo, 0, Buffer.alloc(4)), 9],
    ['negative offset', 'read', cb(fd, -1, Buffer.alloc(4)), 22],
    ['fractional offset', 'read', cb(fd, 0.5, Buffer.alloc(4)), 22],
    ['bigint offset 2^63', 'read', cb(fd, 2n ** 63n, Buffer.alloc(4)), 22],
    ['nbytes past the buffer', 'read', { ...cb(fd, 0, Buffer.alloc(4)), aio_nbytes: 5 }, 22],
    ['nbytes negative', 'write', { ...cb(fd, 0, Buffer.alloc(4)), aio_nbytes: -1 }, 22],
    ['nbytes fractional', 'write', { ...cb(fd, 0, Buffer.alloc(4)), aio_nbytes: 1.5 }, 22],
    ['null buffer with bytes', 'read', { ...cb(fd, 0, null), aio_nbytes: 1 }, 22],
    ['write past the file size limit', 'write', cb(fd, 2 ** 50, Buffer.alloc(4)), 27],
  ];
  for (const [name, op, c, errno] of cases) {
    c.aio_sigevent = thread(log, name, c);
    (op === 'read' ? aio.aio_read : aio.aio_write)(c);
    void errno;
  }
  await until(() => log.length === cases.length);
  for (const [name, , c, errno] of cases) {
    expect([name, aio.aio_error(c), aio.aio_return(c)]).toEqual([name, errno, -1]);
    expect(log.find((e) => e.name === name).status).toBe(errno);
  }
  // A null buffer with 0 bytes is a valid empty request.
  const empty = { ...cb(fd, 0, null), aio_nbytes: 0 };
  let done = false;
  empty.aio_sigevent = { sigev_notify: aio.SIGEV_THREAD, sigev_notify_function: () => (done = true) };
  aio.aio_read(empty);
  await until(() => done);
  expect([aio.aio_error(empty), aio.aio_return(empty)]).toEqual([0, 0]);
  fs.closeSync(ro);
  fs.closeSync(wo);
  fs.closeSync(fd);
});

test('fields are read once: changing the aiocb after queuing changes nothing', async () => {
  const { fd, file } = tmpFile();
  const big = Buffer.alloc(16, 'a');
  const c = cb(fd, 0, big.subarray(0, 8));
  let done = false;
  c.aio_sigevent = { sigev_notify: aio.SIGEV_THREAD, sigev_notify_function: () => (done = true) };
  aio.aio_write(c);
  // Hostile changes: a smaller buffer, more bytes than it holds, another fd and offset.
  c.aio_buf = Buffer.alloc(1);
  c.aio_nbytes = 1 << 20;
  c.aio_offset = -5;
  c.aio_fildes = -1;
  c.aio_sigevent = null;
  await until(() => done);
  expect(aio.aio_return(c)).toBe(8);
  expect(fs.readFileSync(file, 'utf8')).toBe('aaaaaaaa');
  fs.closeSync(fd);
});

test('aio_lio_opcode is ignored by aio_read and aio_write', async () => {
  const { fd, file } = tmpFile();
  const c = cb(fd, 0, Buffer.from('data'), { aio_lio_opcode: aio.LIO_READ });
  let done = false;
  c.aio_sigevent = { sigev_notify: aio.SIGEV_THREAD, sigev_notify_function: () => (done = true) };
  aio.aio_write(c);
  await until(() => done);
  expect(fs.readFileSync(file, 'utf8')).toBe('data');
  const nop = cb(fd, 0, Buffer.alloc(4), { aio_lio_opcode: aio.LIO_NOP });
  done = false;
  nop.aio_sigevent = c.aio_sigevent;
  aio.aio_read(nop);
  await until(() => done);
  expect(nop.aio_buf.toString()).toBe('data');
  fs.closeSync(fd);
});

test('O_APPEND: writes land in the order of the calls', async () => {
  const file = `${tmpDir()}/log`;
  const fd = fs.openSync(file, 'a');
  const recs = Array.from({ length: 300 }, (_, i) => Buffer.from(`<${i}>`));
  const cbs = recs.map((r) => cb(fd, 0, r));
  cbs.forEach((c) => aio.aio_write(c));
  await until(() => cbs.every((c) => aio.aio_error(c) !== aio.EINPROGRESS));
  expect(fs.readFileSync(file).equals(Buffer.concat(recs))).toBe(true);
  fs.closeSync(fd);
});
