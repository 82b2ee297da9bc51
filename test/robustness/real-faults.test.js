// Real faults, not injected: a filesystem that fills up, an fd closed or a file
// truncated under requests in flight, the system-wide AIO limit reached by other
// contexts, and process.exit() with I/O in flight.
'use strict';
const fs = require('fs');
const path = require('path');
const { execFileSync } = require('child_process');
const { AioContext, allocAligned } = require('linux-aio');
const { tmpDir, isRoot, skipNote, pattern, runNode, directSupported } = require('../helpers');

const turn = () => new Promise((r) => setImmediate(r));
const sysctl = (name) => Number(fs.readFileSync(`/proc/sys/fs/${name}`, 'utf8'));

// ---- ENOSPC on a small loop-mounted ext4 ----

function mountExt4() {
  if (!isRoot) return { why: 'not root: cannot mount a loop device' };
  const dir = tmpDir();
  const img = path.join(dir, 'ext4.img');
  const mnt = path.join(dir, 'mnt');
  fs.mkdirSync(mnt);
  try {
    execFileSync('truncate', ['-s', '8M', img], { stdio: 'pipe' });
    execFileSync('mkfs.ext4', ['-q', '-F', img], { stdio: 'pipe' });
    execFileSync('mount', ['-o', 'loop', img, mnt], { stdio: 'pipe' });
  } catch (e) {
    return { why: `cannot make a loop-mounted ext4: ${String(e.stderr || e.message).trim()}` };
  }
  return { img, mnt };
}

const ext4 = mountExt4();
if (!ext4.mnt) skipNote('ENOSPC on a loop-mounted ext4', ext4.why);

(ext4.mnt ? test : test.skip)('ENOSPC mid-stream on an 8 MiB ext4: every reported success reads back, every failure is reported', async () => {
  const { img, mnt } = ext4;
  const ctx = new AioContext({ depth: 16 });
  const direct = directSupported(mnt);
  const files = [{ name: 'buffered', fd: fs.openSync(`${mnt}/buffered`, 'w+'), direct: false }];
  if (direct) files.push({ name: 'direct', fd: fs.openSync(`${mnt}/direct`, fs.constants.O_RDWR | fs.constants.O_CREAT | fs.constants.O_DIRECT), direct: true });
  const chunk = 64 * 1024;
  const writes = [];
  try {
    // 2 x 96 chunks of 64 KiB = 12 MiB into 8 MiB (minus metadata), all issued at once.
    for (let i = 0; i < 96; i++) {
      for (const [k, f] of files.entries()) {
        const data = f.direct ? allocAligned(chunk) : Buffer.alloc(chunk);
        pattern(chunk, i * 10 + k).copy(data);
        const w = { f, i, data, n: null, err: null, settled: 0 };
        writes.push(w);
        ctx.write(f.fd, data, i * chunk).then((n) => { w.n = n; w.settled++; }, (e) => { w.err = e; w.settled++; });
      }
    }
    while (ctx.inFlight > 0) await new Promise((r) => setTimeout(r, 5));
    expect(writes.filter((w) => w.settled !== 1)).toEqual([]);
    const failed = writes.filter((w) => w.err);
    const short = writes.filter((w) => w.n !== null && w.n < chunk);
    // The filesystem did fill up, and said so on each failed request.
    expect(failed.length).toBeGreaterThan(0);
    expect(failed.map((w) => w.err.code).filter((c) => c !== 'ENOSPC')).toEqual([]);
    for (const w of failed) {
      expect(w.err).toBeInstanceOf(Error);
      expect(w.err).toMatchObject({ errno: -28, fd: w.f.fd, position: w.i * chunk });
    }
    expect(writes.filter((w) => w.n > 0).length).toBeGreaterThan(0);
    // Make it durable, then check through a fresh mount: what succeeded is there.
    for (const f of files) fs.fsyncSync(f.fd);
    for (const f of files) fs.closeSync(f.fd);
    files.length = 0;
    execFileSync('umount', [mnt]);
    execFileSync('mount', ['-o', 'loop', img, mnt]);
    let checked = 0;
    for (const w of writes) {
      if (!(w.n > 0)) continue;
      const back = Buffer.alloc(w.n);
      const fd = fs.openSync(`${mnt}/${w.f.name}`, 'r');
      expect(fs.readSync(fd, back, 0, w.n, w.i * chunk)).toBe(w.n);
      fs.closeSync(fd);
      if (!back.equals(w.data.subarray(0, w.n))) throw new Error(`${w.f.name} chunk ${w.i}: data lost or corrupted`);
      checked++;
    }
    console.log(`ENOSPC: ${writes.length} writes, ${checked} succeeded and read back intact after remount, ${short.length} short, ${failed.length} failed with ENOSPC`);
  } finally {
    await ctx.close();
    for (const f of files) fs.closeSync(f.fd);
    execFileSync('umount', [mnt]);
  }
});

// ---- fd closed under in-flight requests ----

test('the fd closed while its requests are in flight: those in the kernel finish with true data, the rest get EBADF', async () => {
  const dir = tmpDir();
  const file = path.join(dir, 'f');
  const size = 64 * 65536;
  const content = pattern(size, 3);
  fs.writeFileSync(file, content);
  const direct = directSupported(dir);
  for (const mode of direct ? ['direct', 'buffered'] : ['buffered']) {
    const fd = fs.openSync(file, mode === 'direct' ? fs.constants.O_RDONLY | fs.constants.O_DIRECT : 'r');
    const ctx = new AioContext({ depth: 8 });
    const reads = Array.from({ length: 64 }, (_, i) => {
      const out = mode === 'direct' ? allocAligned(65536) : Buffer.alloc(65536);
      return ctx.read(fd, out, i * 65536).then((n) => ({ i, n, ok: out.equals(content.subarray(i * 65536, (i + 1) * 65536)) }), (e) => ({ i, code: e.code }));
    });
    await turn(); // the first flush has handed `depth` requests to the kernel
    fs.closeSync(fd);
    const res = await Promise.all(reads);
    const done = res.filter((r) => r.n !== undefined);
    const ebadf = res.filter((r) => r.code === 'EBADF');
    expect(done.length + ebadf.length).toBe(64);
    expect(done.length).toBeGreaterThanOrEqual(1);
    expect(ebadf.length).toBeGreaterThan(0);
    for (const r of done) expect(r).toEqual({ i: r.i, n: 65536, ok: true });
    expect(ctx.inFlight).toBe(0);
    await ctx.close();
  }
});

test('buffered writes handed to helper threads survive their fd being closed', async () => {
  const dir = tmpDir();
  const file = path.join(dir, 'w');
  const fd = fs.openSync(file, 'w+');
  const ctx = new AioContext({ depth: 32 });
  const writes = Array.from({ length: 32 }, (_, i) => ctx.write(fd, pattern(8192, i), i * 8192).then((n) => n, (e) => e.code));
  await turn();
  fs.closeSync(fd);
  const res = await Promise.all(writes);
  const disk = fs.readFileSync(file);
  res.forEach((r, i) => {
    expect(r).toBe(8192);
    expect(disk.subarray(i * 8192, (i + 1) * 8192).equals(pattern(8192, i))).toBe(true);
  });
  await ctx.close();
});

// ---- truncate under in-flight reads ----

test('the file truncated under in-flight reads: short or empty reads, no error, no wrong byte', async () => {
  const dir = tmpDir();
  const direct = directSupported(dir);
  for (const mode of direct ? ['direct', 'buffered'] : ['buffered']) {
    const file = path.join(dir, mode);
    const block = 65536;
    const content = pattern(128 * block, 5);
    fs.writeFileSync(file, content);
    const fd = fs.openSync(file, mode === 'direct' ? fs.constants.O_RDONLY | fs.constants.O_DIRECT : 'r');
    const ctx = new AioContext({ depth: 16 });
    const keep = 16 * block + 4096; // not a multiple of the read size: one read straddles it
    const reads = Array.from({ length: 128 }, (_, i) => {
      const out = mode === 'direct' ? allocAligned(block) : Buffer.alloc(block);
      return ctx.read(fd, out, i * block).then((n) => ({ i, n, out }), (e) => ({ i, err: e }));
    });
    await turn();
    fs.truncateSync(file, keep);
    const res = await Promise.all(reads);
    expect(res.filter((r) => r.err).map((r) => `${r.i}: ${r.err.code}`)).toEqual([]);
    let short = 0;
    for (const { i, n, out } of res) {
      expect(n).toBeGreaterThanOrEqual(0);
      expect(n).toBeLessThanOrEqual(block);
      if (n < block) short++;
      if (!out.subarray(0, n).equals(content.subarray(i * block, i * block + n))) throw new Error(`${mode} read ${i}: bytes that were never in the file`);
      if ((i + 1) * block <= keep) expect(n).toBe(block); // below the new size: always whole
    }
    expect(short).toBeGreaterThan(0);
    // The read that straddles the new end, issued after the truncate: exactly short.
    const last = mode === 'direct' ? allocAligned(block) : Buffer.alloc(block);
    expect(await ctx.read(fd, last, 16 * block)).toBe(4096);
    fs.closeSync(fd);
    await ctx.close();
  }
});

// ---- the system-wide AIO limit reached by other contexts ----

test('aio-max-nr reached by other contexts: a clear EAGAIN, and the contexts that exist keep working', async () => {
  const max = sysctl('aio-max-nr');
  if (max > 1 << 20) {
    skipNote('aio-max-nr exhaustion', `fs.aio-max-nr is ${max}: too large to fill in a test`);
    return;
  }
  const dir = tmpDir();
  const fd = fs.openSync(path.join(dir, 'f'), 'w+');
  const existing = new AioContext({ depth: 8 });
  // Fill max - ask + 1 events with other contexts: a request for `ask` events
  // cannot fit whatever other processes hold, while they keep ask - 1 of headroom
  // (other test files may be opening contexts right now).
  const ask = Math.floor(max / 2);
  let need = max - ask + 1;
  const fillers = [];
  try {
    while (need > 0) {
      const depth = Math.min(need, 65536);
      fillers.push(new AioContext({ depth }));
      need -= depth;
    }
    const before = sysctl('aio-nr');
    let err = null;
    try {
      new AioContext({ depth: ask }).close();
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(Error);
    expect(err).toMatchObject({ code: 'EAGAIN', syscall: 'io_setup' });
    expect(err.message).toMatch(new RegExp(`io_setup\\(${ask}\\) refused`));
    expect(err.message).toMatch(/fs\.aio-nr is \d+, this context needs \d+ more, fs\.aio-max-nr is \d+/);
    expect(err.message).toContain(`fs.aio-max-nr is ${max}`);
    expect(err.message).toMatch(/sysctl -w fs\.aio-max-nr=\d+/);
    expect(sysctl('aio-nr')).toBeLessThanOrEqual(before + 1024); // the refusal reserved nothing
    // The contexts that exist work on.
    for (const c of [existing, fillers[0]]) {
      const data = pattern(4096, fillers.indexOf(c) + 2);
      expect(await c.write(fd, data, 0)).toBe(4096);
      const out = Buffer.alloc(4096);
      expect(await c.read(fd, out, 0)).toBe(4096);
      expect(out.equals(data)).toBe(true);
    }
  } finally {
    await Promise.all(fillers.map((c) => c.close()));
  }
  // With the others gone, the same request fits.
  const again = new AioContext({ depth: ask });
  expect(again.depth).toBe(ask);
  await again.close();
  await existing.close();
  fs.closeSync(fd);
});

// ---- process.exit() with I/O in flight ----

test.each(['after-flush', 'in-callback'])('process.exit() with I/O in flight (%s): clean exit, no crash', (mode) => {
  const r = runNode([path.join(__dirname, '..', 'fixtures', 'exit-inflight.js'), mode], { timeout: 60000 });
  expect({ status: r.status, signal: r.signal, stderr: r.stderr }).toEqual({ status: 7, signal: null, stderr: '' });
});
