// O_APPEND: writes land in the order they were issued, whatever path each takes.
'use strict';
const fs = require('fs');
const { AioContext, allocAligned } = require('linux-aio');
const { tmpDir, directSupported } = require('../helpers');

function records(n, size) {
  return Array.from({ length: n }, (_, i) => {
    const b = Buffer.alloc(size, 0x20);
    b.write(`record ${i};`);
    return b;
  });
}

test('buffered O_APPEND: 500 concurrent writes land in issue order', async () => {
  const ctx = new AioContext({ depth: 32 });
  const file = `${tmpDir()}/log`;
  const fd = fs.openSync(file, 'a');
  const recs = records(500, 40);
  await Promise.all(recs.map((r) => ctx.write(fd, r, 0)));
  expect(fs.readFileSync(file).equals(Buffer.concat(recs))).toBe(true);
  await ctx.close();
  fs.closeSync(fd);
});

test('RWF_APPEND on an ordinary fd keeps issue order too', async () => {
  const ctx = new AioContext({ depth: 8 });
  const file = `${tmpDir()}/log2`;
  const fd = fs.openSync(file, 'w');
  const recs = records(200, 17);
  await Promise.all(recs.map((r) => ctx.write(fd, r, 0, { flags: { append: true } })));
  expect(fs.readFileSync(file).equals(Buffer.concat(recs))).toBe(true);
  await ctx.close();
  fs.closeSync(fd);
});

const dir = tmpDir();
(directSupported(dir) ? test : test.skip)('O_DIRECT | O_APPEND: aligned records land in issue order', async () => {
  const ctx = new AioContext({ depth: 16 });
  const file = `${dir}/dlog`;
  const fd = fs.openSync(file, fs.constants.O_CREAT | fs.constants.O_WRONLY | fs.constants.O_APPEND | fs.constants.O_DIRECT);
  const recs = records(64, 4096).map((r) => {
    const a = allocAligned(4096);
    r.copy(a);
    return a;
  });
  await Promise.all(recs.map((r) => ctx.write(fd, r, 0)));
  expect(fs.readFileSync(file).equals(Buffer.concat(recs))).toBe(true);
  await ctx.close();
  fs.closeSync(fd);
});
