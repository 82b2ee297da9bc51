// ENOSPC from a real full filesystem: a sized tmpfs mounted for the test (root only).
'use strict';
const fs = require('fs');
const { execFileSync } = require('child_process');
const { AioContext } = require('linux-aio');
const { tmpDir, isRoot, skipNote, pattern } = require('../helpers');

let mnt = null;
let why = isRoot ? null : 'not root: cannot mount a small filesystem';
if (isRoot) {
  const dir = tmpDir();
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'linux-aio-test', dir], { stdio: 'pipe' });
    mnt = dir;
  } catch (e) {
    why = `mount -t tmpfs failed: ${String(e.stderr || e.message).trim()}`;
  }
}
if (!mnt) skipNote('ENOSPC test', why);

// Unmounted by the test itself, before the helpers remove the directory.
function unmount() {
  if (mnt) execFileSync('umount', [mnt]);
  mnt = null;
}

(mnt ? test : test.skip)('writes past the end of a 1 MiB tmpfs: ENOSPC, earlier data intact', async () => {
  const ctx = new AioContext({ depth: 4 });
  const fd = fs.openSync(`${mnt}/fill`, 'w+');
  try {
  const chunk = 64 * 1024;
  const ok = [];
  let err = null;
  for (let i = 0; i < 64 && !err; i++) {
    const data = pattern(chunk, i);
    try {
      const n = await ctx.write(fd, data, i * chunk);
      ok.push({ i, n, data });
      if (n < chunk) break; // a short write: the next one fails
    } catch (e) {
      err = e;
    }
  }
  if (!err) err = await ctx.write(fd, pattern(chunk, 99), ok.length * chunk).catch((e) => e);
  expect(err).toMatchObject({ code: 'ENOSPC', errno: -28, syscall: 'write' });
  for (const { i, n, data } of ok) {
    const back = Buffer.alloc(n);
    expect(await ctx.read(fd, back, i * chunk)).toBe(n);
    expect(back.equals(data.subarray(0, n))).toBe(true);
  }
  // tmpfs refuses RWF_NOWAIT: these ran on helper threads.
  expect(ctx.stats().fallbacks).toBeGreaterThan(0);
  } finally {
    await ctx.close();
    fs.closeSync(fd);
    unmount();
  }
});
