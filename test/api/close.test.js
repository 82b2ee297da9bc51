// close(): nothing issued before it is dropped; new requests are refused.
'use strict';
const fs = require('fs');
const { AioContext } = require('linux-aio');
const { tmpFile, pattern, runNode, aioRings } = require('../helpers');

test('close with requests in flight and queued: all of them settle first', async () => {
  const rings = aioRings();
  const ctx = new AioContext({ depth: 2 });
  expect(aioRings()).toBe(rings + 1);
  const { fd, file } = tmpFile();
  const writes = Array.from({ length: 50 }, (_, i) => ctx.write(fd, pattern(1000, i), i * 1000));
  const order = [];
  writes.forEach((p) => p.then(() => order.push('write')));
  const closing = ctx.close();
  closing.then(() => order.push('closed'));
  expect(ctx.close()).toBe(closing); // twice is harmless
  await expect(ctx.read(fd, Buffer.alloc(1), 0)).rejects.toMatchObject({ code: 'ERR_AIO_CLOSED' });
  await expect(ctx.fsync(fd)).rejects.toMatchObject({ code: 'ERR_AIO_CLOSED' });
  await closing;
  expect(aioRings()).toBe(rings); // the kernel context is gone when close() resolves
  expect(order.filter((x) => x === 'write')).toHaveLength(50);
  expect(order[order.length - 1]).toBe('closed');
  const content = fs.readFileSync(file);
  for (let i = 0; i < 50; i++) expect(content.subarray(i * 1000, (i + 1) * 1000).equals(pattern(1000, i))).toBe(true);
  const s = ctx.stats(); // still readable after close
  expect(s.submitted).toBe(50);
  expect(s.completed).toBe(50);
  await expect(ctx.write(fd, Buffer.alloc(1), 0)).rejects.toMatchObject({ code: 'ERR_AIO_CLOSED' });
  fs.closeSync(fd);
});

test('the process exits by itself when its I/O is done, without close()', () => {
  const r = runNode(['-e', `
    const { AioContext } = require('linux-aio');
    const fs = require('fs');
    const ctx = new AioContext();
    const idle = new AioContext(); // never used: must not hold the loop
    const fd = fs.openSync(require('os').tmpdir() + '/linux-aio-exit-' + process.pid, 'w+');
    for (let i = 0; i < 100; i++) ctx.write(fd, Buffer.alloc(4096, i), i * 4096).then((n) => { if (i === 99) console.log('done', n); });
    process.on('exit', () => fs.rmSync(require('os').tmpdir() + '/linux-aio-exit-' + process.pid));
  `], { timeout: 20000, cwd: __dirname });
  expect(r.stderr).toBe('');
  expect(r.stdout.trim()).toBe('done 4096');
  expect(r.status).toBe(0);
});

test('[Symbol.asyncDispose] closes the context (await using), after what was issued before it', async () => {
  const rings = aioRings();
  const ctx = new AioContext({ depth: 4 });
  expect(typeof ctx[Symbol.asyncDispose]).toBe('function');
  const { fd } = tmpFile();
  const write = ctx.write(fd, pattern(4096, 3), 0);
  const disposing = ctx[Symbol.asyncDispose]();
  expect(disposing).toBe(ctx.close()); // the same close
  await expect(ctx.read(fd, Buffer.alloc(1), 0)).rejects.toMatchObject({ code: 'ERR_AIO_CLOSED' });
  await disposing;
  await expect(write).resolves.toBe(4096);
  expect(aioRings()).toBe(rings);
  fs.closeSync(fd);
});
