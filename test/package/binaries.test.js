// Every prebuilt binary, read with readelf: the right machine, only the C
// library as a dependency (no libstdc++, libc++ or libgcc_s from the system),
// glibc symbol versions no newer than the 2.28 the glibc builds promise, never
// unloaded (NODELETE), only the Node-API entry points exported, and every symbol it needs provided by
// Node (napi_*, uv_*) or by the C library.
'use strict';
const fs = require('fs');
const path = require('path');
const { ensurePrebuilds, run, which, runtime, need, GLIBC } = require('./helpers');

const readelf = which('readelf');
const binaries = readelf ? ensurePrebuilds() : [];
const MACHINE = { x64: 'Advanced Micro Devices X86-64', arm64: 'AArch64' };
const GLIBC_LIBS = ['libc.so.6', 'libpthread.so.0', 'libdl.so.2', 'libm.so.6', 'librt.so.1', 'ld-linux-x86-64.so.2', 'ld-linux-aarch64.so.1'];
const EXPORTS = ['napi_register_module_v1', 'node_api_module_get_api_version_v1'];

function elf(file) {
  const text = (args) => run(readelf, ['-W', ...args, file]).stdout;
  const header = text(['-h']);
  const dynamic = text(['-d']);
  const symbols = text(['--dyn-syms'])
    .split('\n')
    .map((l) => l.trim().split(/\s+/))
    .filter((f) => /^\d+:$/.test(f[0]) && f[7])
    .map((f) => ({ bind: f[4], ndx: f[6], name: f[7].replace(/@.*/, ''), version: /@+(.*)/.exec(f[7])?.[1] ?? null }));
  return {
    machine: /Machine:\s+(.*)/.exec(header)[1].trim(),
    type: /Type:\s+(\S+)/.exec(header)[1],
    needed: [...dynamic.matchAll(/\(NEEDED\)\s+Shared library: \[(.*)\]/g)].map((m) => m[1]),
    interp: /Requesting program interpreter/.test(text(['-l'])),
    versions: [...new Set([...text(['-V']).matchAll(/Name: (\S+)/g)].map((m) => m[1]))],
    undefinedStrong: symbols.filter((s) => s.ndx === 'UND' && s.bind === 'GLOBAL').map((s) => s.name),
    exported: symbols.filter((s) => s.ndx !== 'UND' && s.bind !== 'LOCAL').map((s) => s.name),
  };
}

function versionNumber(v) {
  return v.split('.').map(Number);
}
function newer(a, b) {
  const x = versionNumber(a);
  const y = versionNumber(b);
  for (let i = 0; i < Math.max(x.length, y.length); i++) if ((x[i] ?? 0) !== (y[i] ?? 0)) return (x[i] ?? 0) > (y[i] ?? 0);
  return false;
}

// Symbols a Node binary exports (napi_*, uv_*), per arch: the system Node for
// x64, the arm64 Node from scripts/test-runtimes.sh for arm64.
const nodeExportsCache = new Map();
function nodeExports(arch) {
  if (nodeExportsCache.has(arch)) return nodeExportsCache.get(arch);
  const node = arch === 'x64' ? (process.arch === 'x64' ? process.execPath : runtime('node22-x64')) : runtime('node22-arm64');
  const set = node && readelf ? new Set(elf(node).exported) : null;
  nodeExportsCache.set(arch, set);
  return set;
}

if (!readelf) {
  test('readelf checks', () => {
    need(readelf, 'readelf checks of the prebuilt binaries', 'readelf not found (Debian: apt-get install binutils)');
  });
} else {
  test('the prebuild makes four binaries, named for node-gyp-build', () => {
    expect(binaries.map((b) => path.relative(path.join(__dirname, '..', '..'), b.file)).sort()).toEqual([
      'prebuilds/linux-arm64/linux-aio.glibc.node',
      'prebuilds/linux-arm64/linux-aio.musl.node',
      'prebuilds/linux-x64/linux-aio.glibc.node',
      'prebuilds/linux-x64/linux-aio.musl.node',
    ]);
    // node-gyp-build's own parser reads the libc tag off these names.
    const ngb = require('node-gyp-build');
    for (const b of binaries) expect(ngb.parseTags(path.basename(b.file))).toMatchObject({ libc: b.libc });
  });

  describe.each(binaries.map((b) => [b.key, b]))('%s', (_key, b) => {
    const info = elf(b.file);

    test('is a shared object for its machine, stripped', () => {
      expect(info.machine).toBe(MACHINE[b.arch]);
      expect(info.type).toBe('DYN');
      expect(run(readelf, ['-S', '-W', b.file]).stdout).not.toMatch(/\.symtab|\.debug_info/);
    });

    test('is never unloaded (NODELETE: its threads outlive the worker that loaded it)', () => {
      expect(run(readelf, ['-d', '-W', b.file]).stdout).toMatch(/\(FLAGS_1\)\s+Flags:.*\bNODELETE\b/);
    });

    // A library loaded by dlopen whose TLS is initial-exec (STATIC_TLS) gets
    // the few KiB of static TLS that glibc keeps spare, shared with every other
    // such library: a 2 KiB thread_local array made the glibc binary fail to
    // load ("cannot allocate memory in static TLS block").
    test('keeps its thread-local storage small (under 1 KiB)', () => {
      const tls = /^\s*TLS\s+\S+\s+\S+\s+\S+\s+\S+\s+(0x[0-9a-f]+)/m.exec(run(readelf, ['-l', '-W', b.file]).stdout);
      expect(tls === null ? 0 : Number(tls[1])).toBeLessThan(1024);
    });

    test('exports only the Node-API entry points', () => {
      expect(info.exported.sort()).toEqual(EXPORTS);
    });

    test('needs nothing but the C library, and Node-API and libuv from Node', () => {
      expect(info.needed.filter((n) => /stdc\+\+|c\+\+|gcc_s|libm\b|libunwind/.test(n))).toEqual([]);
      if (b.libc === 'glibc') {
        expect(info.needed.filter((n) => !GLIBC_LIBS.includes(n))).toEqual([]);
      } else {
        // musl's loader takes libc.so as itself; no glibc library, no symbol versions.
        expect(info.needed).toEqual(['libc.so']);
        expect(info.versions).toEqual([]);
      }
      expect(info.interp).toBe(false);
      const fromNode = info.undefinedStrong.filter((s) => /^(napi_|node_api_|uv_)/.test(s));
      expect(fromNode.length).toBeGreaterThan(10);
      const exportsOfNode = nodeExports(b.arch);
      if (need(exportsOfNode, `${b.key}: its napi_/uv_ symbols against a ${b.arch} Node's exports`, `no ${b.arch} Node build`)) {
        expect(fromNode.filter((s) => !exportsOfNode.has(s))).toEqual([]);
      }
    });

    if (b.libc === 'glibc') {
      test(`needs glibc ${GLIBC} at most, and no GLIBCXX/CXXABI versions`, () => {
        const glibc = info.versions.filter((v) => v.startsWith('GLIBC_')).map((v) => v.slice(6));
        expect(glibc.length).toBeGreaterThan(0);
        expect(glibc.filter((v) => newer(v, GLIBC))).toEqual([]);
        expect(info.versions.filter((v) => !/^GLIBC_|^lib|^ld-linux/.test(v) && !v.endsWith('.node'))).toEqual([]);
      });
    } else {
      test("every C library symbol it needs is in musl's libc", () => {
        const lib = `/lib/${b.arch === 'x64' ? 'x86_64' : 'aarch64'}-linux-musl/libc.so`;
        if (!need(fs.existsSync(lib), `${b.key}: symbols against musl's libc`, `${lib} not found (Debian: musl${b.arch === 'x64' ? '' : ':arm64'})`)) return;
        const provided = new Set(elf(lib).exported);
        const fromLibc = info.undefinedStrong.filter((s) => !/^(napi_|node_api_|uv_)/.test(s));
        expect(fromLibc.length).toBeGreaterThan(10);
        expect(fromLibc.filter((s) => !provided.has(s))).toEqual([]);
      });
    }
  });
}
