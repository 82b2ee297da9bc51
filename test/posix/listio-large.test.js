// 1,000-entry lists, LIO_WAIT and LIO_NOWAIT, with data verified byte for byte.
'use strict';
const fs = require('fs');
const { aio, cb, until } = require('./util');
const { tmpFile, pattern } = require('../helpers');

const N = 1000;
const SIZE = 777;

test('LIO_WAIT: 1,000 writes, then 1,000 reads', async () => {
  const { fd, file } = tmpFile();
  const data = pattern(N * SIZE, 11);
  const writes = Array.from({ length: N }, (_, i) => cb(fd, i * SIZE, data.subarray(i * SIZE, (i + 1) * SIZE), { aio_lio_opcode: aio.LIO_WRITE }));
  await aio.lio_listio(aio.LIO_WAIT, writes);
  expect(writes.every((c) => aio.aio_return(c) === SIZE)).toBe(true);
  expect(fs.readFileSync(file).equals(data)).toBe(true);
  const reads = Array.from({ length: N }, (_, i) => cb(fd, BigInt(i * SIZE), Buffer.alloc(SIZE), { aio_lio_opcode: aio.LIO_READ }));
  await aio.lio_listio(aio.LIO_WAIT, reads);
  expect(Buffer.concat(reads.map((c) => c.aio_buf)).equals(data)).toBe(true);
  fs.closeSync(fd);
});

test('LIO_NOWAIT: 1,000 mixed reads and writes on two files, one group notification', async () => {
  const a = tmpFile();
  const b = tmpFile();
  const src = pattern(N * SIZE, 12);
  fs.writeFileSync(a.file, src);
  const list = [];
  for (let i = 0; i < N; i++) {
    if (i % 2 === 0) list.push(cb(a.fd, i * SIZE, Buffer.alloc(SIZE), { aio_lio_opcode: aio.LIO_READ }));
    else list.push(cb(b.fd, i * SIZE, src.subarray(i * SIZE, (i + 1) * SIZE), { aio_lio_opcode: aio.LIO_WRITE }));
  }
  let fired = 0;
  aio.lio_listio(aio.LIO_NOWAIT, list, { sigev_notify: aio.SIGEV_THREAD, sigev_notify_function: () => fired++ });
  await until(() => fired === 1);
  const written = fs.readFileSync(b.file);
  list.forEach((c, i) => {
    expect(aio.aio_error(c)).toBe(0);
    const want = src.subarray(i * SIZE, (i + 1) * SIZE);
    if (i % 2 === 0) expect(c.aio_buf.equals(want)).toBe(true);
    else expect(written.subarray(i * SIZE, (i + 1) * SIZE).equals(want)).toBe(true);
  });
  fs.closeSync(a.fd);
  fs.closeSync(b.fd);
});
