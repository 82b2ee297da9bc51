// The musl binaries, loaded by musl's own dynamic loader: no musl build of
// Node exists on npm or in Debian, so a small musl program (built here with
// zig, linked against Debian's musl) stands in for Node. It defines every
// napi_*/uv_* function the binary imports as a stub, dlopen()s the binary
// (musl binds every symbol at load time, and runs its initializers, libc++'s
// among them) and calls node_api_module_get_api_version_v1. x64 runs natively,
// arm64 under qemu-user. The glibc binary of the same arch, loaded the same
// way, must fail: the check can tell the two apart.
'use strict';
const fs = require('fs');
const path = require('path');
const { tmpDir } = require('../helpers');
const { ensurePrebuilds, run, which, need, root } = require('./helpers');

const binaries = ensurePrebuilds();
const zig = path.join(root, 'node_modules', '@oven', 'zig-linux-x64', 'zig');
const readelf = which('readelf');
const ARCH = {
  x64: { triple: 'x86_64-linux-musl', loader: '/lib/ld-musl-x86_64.so.1', packages: 'musl musl-dev' },
  arm64: { triple: 'aarch64-linux-musl', loader: '/lib/ld-musl-aarch64.so.1', packages: 'musl:arm64 musl-dev:arm64' },
};

const HOST = `
#include <dlfcn.h>
#include <stdio.h>
int main(int argc, char** argv) {
  void* h = dlopen(argv[1], RTLD_NOW | RTLD_LOCAL);
  if (!h) { printf("dlopen failed: %s\\n", dlerror()); return 1; }
  int (*version)(void) = (int (*)(void))dlsym(h, "node_api_module_get_api_version_v1");
  void* init = dlsym(h, "napi_register_module_v1");
  printf("loaded api_version=%d init=%s\\n", version ? version() : -1, init ? "yes" : "no");
  return 0;
}
`;

// A dynamically linked musl program for `arch`, exporting stubs for `imports`.
function buildHost(arch, imports) {
  const { triple, loader } = ARCH[arch];
  const lib = `/usr/lib/${triple}`;
  const dir = tmpDir();
  fs.writeFileSync(path.join(dir, 'host.c'), HOST);
  fs.writeFileSync(path.join(dir, 'stubs.c'), imports.map((s) => `void ${s}(void) {}\n`).join(''));
  for (const f of ['host', 'stubs']) run(zig, ['cc', '-target', triple, '-fPIC', '-O1', '-c', path.join(dir, `${f}.c`), '-o', path.join(dir, `${f}.o`)], { cwd: dir });
  const exe = path.join(dir, 'host');
  run(zig, ['ld.lld', '-pie', '--export-dynamic', '-dynamic-linker', loader, `${lib}/Scrt1.o`, `${lib}/crti.o`,
    path.join(dir, 'host.o'), path.join(dir, 'stubs.o'), `/lib/${triple}/libc.so`, `${lib}/crtn.o`, '-o', exe], { cwd: dir });
  return exe;
}

function imports(file) {
  const out = run(readelf, ['--dyn-syms', '-W', file]).stdout;
  return [...new Set(out.split('\n').map((l) => l.trim().split(/\s+/)).filter((f) => f[6] === 'UND' && f[7]).map((f) => f[7].replace(/@.*/, '')))]
    .filter((s) => /^(napi_|node_api_|uv_)/.test(s));
}

describe.each(['x64', 'arm64'])('%s', (arch) => {
  const musl = binaries.find((b) => b.arch === arch && b.libc === 'musl');
  const glibc = binaries.find((b) => b.arch === arch && b.libc === 'glibc');

  test('the musl binary loads under musl and answers its Node-API version; the glibc one does not load there', () => {
    const { triple, loader, packages } = ARCH[arch];
    const files = [loader, `/lib/${triple}/libc.so`, `/usr/lib/${triple}/Scrt1.o`];
    if (!need(readelf, `the ${arch} musl binary under musl`, 'readelf not found')) return;
    if (!need(files.every((f) => fs.existsSync(f)), `the ${arch} musl binary under musl`, `${files.join(', ')} needed (Debian: ${packages})`)) return;
    const qemu = arch === process.arch ? null : which('qemu-aarch64-static');
    if (arch !== process.arch && !need(qemu, `the ${arch} musl binary under musl`, 'qemu-aarch64-static not found (Debian: qemu-user-static)')) return;
    // Stubs for what either binary imports, so that only the C library can make the glibc one fail.
    const host = buildHost(arch, [...new Set([...imports(musl.file), ...imports(glibc.file)])]);
    const exec = (file) => (qemu ? run(qemu, [host, file], { check: false }) : run(host, [file], { check: false }));

    const ok = exec(musl.file);
    expect({ status: ok.status, stdout: ok.stdout, stderr: ok.stderr }).toEqual({ status: 0, stdout: 'loaded api_version=8 init=yes\n', stderr: '' });
    const bad = exec(glibc.file);
    expect(bad.status).toBe(1);
    expect(bad.stdout).toMatch(/^dlopen failed: /);
  });
});

// scripts/prebuild/musl-compat.h supplies preadv2/pwritev2 over the system calls
// (zig's musl, and Debian's 1.2.3, lack them): a musl program that uses them
// past 4 GiB (the offset is split across two registers), with RWF_NOWAIT as the
// helper threads pass it.
const COMPAT_TEST = `
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <errno.h>
#include <sys/uio.h>
#include <unistd.h>
#ifndef RWF_NOWAIT
#define RWF_NOWAIT 8
#endif
int main(int argc, char** argv) {
  int fd = open(argv[1], O_RDWR | O_CREAT | O_TRUNC, 0600);
  if (fd < 0) { perror("open"); return 1; }
  const off_t far = 5000000000LL + 123;
  char a[] = "hello", b[] = " musl";
  struct iovec out[2] = {{a, 5}, {b, 5}};
  ssize_t w = pwritev2(fd, out, 2, far, 0);
  char got[10] = {0};
  struct iovec in[1] = {{got, 10}};
  ssize_t r = preadv2(fd, in, 1, far, RWF_NOWAIT);
  char z = 1;
  struct iovec zero[1] = {{&z, 1}};
  ssize_t r0 = preadv2(fd, zero, 1, far - 1, 0);
  printf("%zd %zd %.10s %zd %d %lld\\n", w, r, got, r0, z, (long long)lseek(fd, 0, SEEK_CUR));
  return 0;
}
`;

// x64 only: qemu-user 7.2 has no preadv2/pwritev2 (ENOSYS), so under qemu this
// would test qemu. The arithmetic is the same on every 64-bit arch.
test('musl-compat.h: preadv2/pwritev2 over the system calls work past 4 GiB (x64, under musl)', () => {
  const { triple, loader, packages } = ARCH.x64;
  const lib = `/usr/lib/${triple}`;
  const files = [loader, `/lib/${triple}/libc.so`, `${lib}/Scrt1.o`];
  if (!need(process.arch === 'x64', 'musl-compat.h check', 'not an x64 machine')) return;
  if (!need(files.every((f) => fs.existsSync(f)), 'musl-compat.h check', `${files.join(', ')} needed (Debian: ${packages})`)) return;
  const dir = tmpDir();
  fs.writeFileSync(path.join(dir, 't.c'), COMPAT_TEST);
  const exe = path.join(dir, 't');
  run(zig, ['cc', '-target', triple, '-fPIC', '-O1', '-include', path.join(root, 'scripts', 'prebuild', 'musl-compat.h'), '-c', path.join(dir, 't.c'), '-o', `${exe}.o`], { cwd: dir });
  run(zig, ['ld.lld', '-pie', '-dynamic-linker', loader, `${lib}/Scrt1.o`, `${lib}/crti.o`, `${exe}.o`, `/lib/${triple}/libc.so`, `${lib}/crtn.o`, '-o', exe], { cwd: dir });
  const data = path.join(dir, 'sparse');
  const r = run(exe, [data]);
  // Written and read back at the far offset; the byte before it is a hole (0); the file position untouched.
  expect(r.stdout).toBe('10 10 hello musl 1 0 0\n');
  expect(fs.statSync(data).size).toBe(5000000000 + 123 + 10);
});
