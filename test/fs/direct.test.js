// direct: true (O_DIRECT): the handle's own whole-file and stream paths use
// aligned buffers, so any size and (for reads) any start works; a misaligned
// user read/write rejects with ERR_AIO_DIRECT_ALIGNMENT. Compared with the bytes
// Node reads back.
'use strict';
const fs = require('fs');
const path = require('path');
const { pipeline } = require('stream/promises');
const { tmpDir, pattern, directSupported, skipNote } = require('../helpers');
const aiofs = require('linux-aio/fs');
const { allocAligned } = require('linux-aio');

const dir = tmpDir();
const ok = directSupported(dir);
if (!ok) skipNote('linux-aio/fs direct tests', `${dir} does not take O_DIRECT`);
const t = ok ? test : test.skip;

function fileWith(data, name = 'f') {
  const file = path.join(dir, name);
  fs.writeFileSync(file, data);
  return file;
}

t('open with direct: true sets O_DIRECT and reports the alignment', async () => {
  const fh = await aiofs.open(fileWith('x'), 'r', undefined, { direct: true });
  expect(fh.direct).toBe(true);
  const a = fh.alignment;
  expect(a.memory).toBeGreaterThan(0);
  expect(a.offset).toBeGreaterThan(0);
  const flags = fs.readFileSync(`/proc/self/fdinfo/${fh.fd}`, 'utf8').match(/flags:\s+(\d+)/)[1];
  expect(parseInt(flags, 8) & fs.constants.O_DIRECT).toBe(fs.constants.O_DIRECT);
  await fh.close();
  // O_DIRECT in numeric flags means the same.
  const fh2 = await aiofs.open(path.join(dir, 'f'), fs.constants.O_RDONLY | fs.constants.O_DIRECT);
  expect(fh2.direct).toBe(true);
  expect((await fh2.readFile()).toString()).toBe('x');
  await fh2.close();
});

t('a direct read stream hands a read() consumer one highWaterMark chunk at a time', async () => {
  // Its 1 MiB requests are delivered in highWaterMark pieces; pushed all at
  // once, a read() taking everything buffered (for await) would get them
  // joined into one new copy.
  const data = pattern(4 * 1024 * 1024 + 100, 13);
  const fh = await aiofs.open(fileWith(data, 'chunks'), 'r', undefined, { direct: true });
  const chunks = [];
  for await (const c of fh.createReadStream({ highWaterMark: 65536 })) chunks.push(c);
  expect(Buffer.concat(chunks).equals(data)).toBe(true);
  expect(chunks.slice(0, -1).map((c) => c.length)).toEqual(chunks.slice(0, -1).map(() => 65536));
  expect(chunks.length).toBe(65);
});

t('readFile with direct: odd sizes, from the start and from an unaligned current position', async () => {
  for (const size of [0, 1, 4095, 4097, (1 << 20) * 3 + 77]) {
    const data = pattern(size, size + 1);
    const file = fileWith(data, `r${size}`);
    const got = await aiofs.readFile(file, { direct: true });
    expect(got.length).toBe(size);
    expect(got.equals(data)).toBe(true);
  }
  const data = pattern(100000, 3);
  const fh = await aiofs.open(fileWith(data, 'cur'), 'r', undefined, { direct: true });
  const b = allocAligned(4096);
  await fh.read(b); // the current position is 4096 now
  fh._seek(4100);
  expect((await fh.readFile()).equals(data.subarray(4100))).toBe(true);
  await fh.close();
});

t('writeFile with direct: odd sizes give exact contents and size; a longer file keeps its tail', async () => {
  for (const size of [1, 4096, 5000, (1 << 20) * 2 + 3]) {
    const data = pattern(size, size);
    const file = path.join(dir, `w${size}`);
    await aiofs.writeFile(file, data, { direct: true });
    expect(fs.statSync(file).size).toBe(size);
    expect(fs.readFileSync(file).equals(data)).toBe(true);
  }
  // Overwrite the start of a longer file through a direct handle: no truncation, its tail intact.
  const orig = pattern(20000, 9);
  const file = fileWith(orig, 'long');
  const fh = await aiofs.open(file, 'r+', undefined, { direct: true });
  await fh.writeFile(Buffer.from('hello'));
  await fh.close();
  const want = Buffer.from(orig);
  want.write('hello', 0);
  expect(fs.readFileSync(file).equals(want)).toBe(true);
  // Append to an aligned file.
  const app = fileWith(pattern(8192, 1), 'app');
  await aiofs.appendFile(app, 'tail', { direct: true });
  expect(fs.readFileSync(app).subarray(8192).toString()).toBe('tail');
  expect(fs.statSync(app).size).toBe(8196);
});

t('a misaligned read or write rejects with ERR_AIO_DIRECT_ALIGNMENT; aligned ones work', async () => {
  const data = pattern(65536, 2);
  const fh = await aiofs.open(fileWith(data, 'mis'), 'r+', undefined, { direct: true });
  const aligned = allocAligned(8192);
  const codes = [];
  for (const call of [
    () => fh.read(aligned, 0, 4096, 100), // position
    () => fh.read(aligned, 0, 1000, 0), // length
    () => fh.read(aligned, 1, 4096, 0), // address
    () => fh.read(Buffer.alloc(4096).subarray(1), 0, 4095, 0),
    () => fh.write(aligned, 0, 4096, 10),
    () => fh.write('abc', 0),
    () => fh.readv([aligned.subarray(0, 100)], 0),
  ]) {
    const err = await call().then(() => null, (e) => e);
    codes.push(err && err.code);
    if (err) expect(err.message).toMatch(/O_DIRECT needs/);
  }
  expect(codes).toEqual(Array(7).fill('ERR_AIO_DIRECT_ALIGNMENT'));
  const r = await fh.read(aligned, 0, 8192, 8192);
  expect(r.bytesRead).toBe(8192);
  expect(aligned.equals(data.subarray(8192, 16384))).toBe(true);
  const w = allocAligned(4096);
  w.fill(7);
  expect((await fh.write(w, 0, 4096, 4096)).bytesWritten).toBe(4096);
  await fh.close();
  expect(fs.readFileSync(path.join(dir, 'mis')).subarray(4096, 8192).every((x) => x === 7)).toBe(true);
});

t('direct streams: unaligned start and end read exact bytes; a write stream of odd size', async () => {
  const data = pattern((1 << 20) + 999, 6);
  const file = fileWith(data, 'st');
  const fh = await aiofs.open(file, 'r', undefined, { direct: true });
  const chunks = [];
  const s = fh.createReadStream({ start: 1234, end: 700001, highWaterMark: 65536 });
  for await (const c of s) chunks.push(c);
  expect(Buffer.concat(chunks).equals(data.subarray(1234, 700002))).toBe(true);

  const out = path.join(dir, 'st-out');
  const from = await aiofs.open(file, 'r', undefined, { direct: true });
  const to = await aiofs.open(out, 'w', undefined, { direct: true });
  await pipeline(from.createReadStream({ highWaterMark: 10000 }), to.createWriteStream());
  expect(fs.statSync(out).size).toBe(data.length);
  expect(fs.readFileSync(out).equals(data)).toBe(true);
});
