// Errors that say what went wrong: EISDIR for a directory (as Node's fs says,
// where the kernel's AIO answers EINVAL), an O_DIRECT EINVAL that names the
// misalignment by directIoAlignment's numbers, and directIoAlignment's
// { memory: 0, offset: 0 } for files that refuse O_DIRECT.
'use strict';
const fs = require('fs');
const os = require('os');
const path = require('path');
const aio = require('linux-aio');
const { AioContext, allocAligned, directIoAlignment } = aio;
const { tmpDir, tmpFile, directSupported } = require('../helpers');

const { EISDIR, EINVAL } = os.constants.errno;
let ctx;
beforeAll(() => (ctx = new AioContext({ depth: 8 })));
afterAll(() => ctx.close());

describe('a directory fd', () => {
  let dir;
  let fd;
  beforeAll(() => {
    dir = tmpDir();
    fd = fs.openSync(dir, 'r');
  });
  afterAll(() => fs.closeSync(fd));

  test("read and readv reject with EISDIR, like Node's fs", async () => {
    const nodeSays = (() => {
      try {
        fs.readSync(fd, Buffer.alloc(8), 0, 8, 0);
      } catch (e) {
        return e.code;
      }
    })();
    expect(nodeSays).toBe('EISDIR');
    const read = await ctx.read(fd, Buffer.alloc(8), 0).catch((e) => e);
    expect(read).toMatchObject({ code: 'EISDIR', errno: -EISDIR, syscall: 'read', fd, position: 0 });
    expect(read.message).toBe(`EISDIR: illegal operation on a directory, read (fd ${fd}, position 0)`);
    await expect(ctx.readv(fd, [Buffer.alloc(4), Buffer.alloc(4)], 0)).rejects.toMatchObject({ code: 'EISDIR', syscall: 'readv' });
  });

  test('the POSIX layer: aio_error gives EISDIR, as glibc (read(2)) does', async () => {
    const cb = { aio_fildes: fd, aio_offset: 0, aio_buf: Buffer.alloc(8), aio_nbytes: 8 };
    aio.aio_read(cb);
    await aio.aio_suspend([cb]);
    expect(aio.aio_error(cb)).toBe(EISDIR);
    expect(aio.aio_return(cb)).toBe(-1);
  });

  test('directIoAlignment is { 0, 0 }', () => {
    expect(directIoAlignment(fd)).toEqual({ memory: 0, offset: 0 });
  });
});

describe('an O_DIRECT EINVAL names the misalignment', () => {
  const dir = tmpDir();
  const supported = directSupported(dir);
  const maybe = supported ? test : test.skip;
  let fd;
  let align;
  beforeAll(() => {
    if (!supported) return;
    const file = path.join(dir, 'direct');
    fs.writeFileSync(file, Buffer.alloc(65536, 7));
    fd = fs.openSync(file, fs.constants.O_RDWR | fs.constants.O_DIRECT);
    align = directIoAlignment(fd);
  });
  afterAll(() => fd !== undefined && fs.closeSync(fd));

  maybe('position, length, address: each said, with the numbers directIoAlignment gives', async () => {
    expect(align.memory).toBeGreaterThan(1);
    const ok = allocAligned(2 * align.offset, align.memory);
    await expect(ctx.read(fd, ok, 0)).resolves.toBe(ok.length);

    const pos = await ctx.read(fd, ok, 3).catch((e) => e);
    expect(pos).toMatchObject({ code: 'EINVAL', errno: -EINVAL, syscall: 'read', position: 3 });
    expect(pos.message).toMatch(new RegExp(`^EINVAL: invalid argument, read \\(fd ${fd}, position 3\\): misaligned for O_DIRECT, .*aligned to ${align.memory} bytes and positions and lengths to ${align.offset} .*: position 3 is not a multiple of ${align.offset}$`));

    const len = await ctx.write(fd, ok.subarray(0, align.offset - 1), 0).catch((e) => e);
    expect(len.message).toMatch(new RegExp(`: buffer length ${align.offset - 1} is not a multiple of ${align.offset}$`));

    // A misaligned address: newer kernels accept what the device's DMA can do
    // (less than statx reports); where this one refuses it, the message says why.
    const shifted = allocAligned(align.offset + align.memory, align.memory).subarray(1, 1 + align.offset);
    const addr = await ctx.read(fd, shifted, 0).catch((e) => e);
    const addrText = new RegExp(`buffer address is not a multiple of ${align.memory} \\(allocAligned\\(\\) gives one that is\\)$`);
    if (addr instanceof Error) expect(addr.message).toMatch(addrText);
    const { misalignment } = require('../../dist/errors');
    expect(misalignment({ fd, position: 0, buffers: shifted })).toMatch(addrText);
    expect(misalignment({ fd, position: 0, buffers: ok })).toBe(null);

    const vec = await ctx.readv(fd, [ok, ok.subarray(0, 100)], align.offset).catch((e) => e);
    expect(vec.message).toMatch(/: buffers\[1\] length 100 is not a multiple of \d+$/);
    expect(vec.message).not.toMatch(/buffers\[0\]/);
  });

  test('without O_DIRECT, an EINVAL carries no alignment hint', async () => {
    // Node offers no request that the kernel refuses with EINVAL on a plain fd,
    // so ask the helper that shapes the message: it finds nothing to say.
    const { fd: plain } = tmpFile();
    const { misalignment } = require('../../dist/errors');
    expect(misalignment({ fd: plain, position: 3, buffers: Buffer.alloc(100) })).toBe(null);
    fs.closeSync(plain);
  });
});

describe('directIoAlignment for files that refuse O_DIRECT', () => {
  const refuses = (file) => {
    try {
      fs.closeSync(fs.openSync(file, fs.constants.O_RDONLY | fs.constants.O_DIRECT));
      return false;
    } catch (e) {
      return e.code === 'EINVAL';
    }
  };

  test.each([['/dev/null'], ['/dev/zero'], ['/proc/self/status'], ['/proc/version']])('%s: { 0, 0 }, and the kernel does refuse it', (file) => {
    expect(refuses(file)).toBe(true);
    const fd = fs.openSync(file, 'r');
    try {
      expect(directIoAlignment(fd)).toEqual({ memory: 0, offset: 0 });
    } finally {
      fs.closeSync(fd);
    }
  });

  test('a pipe: { 0, 0 }', () => {
    const { spawnSync } = require('child_process');
    // The child's stdin is a pipe; it reports directIoAlignment(0).
    const r = spawnSync(process.execPath, ['-e', `process.stdout.write(JSON.stringify(require('linux-aio').directIoAlignment(0)))`], { input: 'x', encoding: 'utf8', cwd: path.join(__dirname, '..', '..') });
    expect(JSON.parse(r.stdout)).toEqual({ memory: 0, offset: 0 });
  });

  test('a regular file: non-zero exactly where its filesystem takes O_DIRECT, also when opened write-only', () => {
    for (const dir of [tmpDir(), os.tmpdir()]) {
      const file = path.join(dir, `align-${process.pid}`);
      const fd = fs.openSync(file, 'w');
      try {
        const a = directIoAlignment(fd);
        expect(a.memory > 0 && a.offset > 0).toBe(directSupported(dir));
      } finally {
        fs.closeSync(fd);
        fs.rmSync(file, { force: true });
      }
    }
  });
});
