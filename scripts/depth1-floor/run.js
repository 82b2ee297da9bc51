#!/usr/bin/env node
// npm run floor -- FILE [--rounds N] [--ms T]
//
// Where a depth-1 read's time goes, from fio to linux-aio: 4 KiB O_DIRECT
// random reads of FILE, one in flight, made seven ways in turn, each for T ms,
// N times (each way leads in turn), after one round that is not counted:
//
//   fio                   fio's libaio engine (floor.c runs it), if on PATH
//   C 0..3                the engine's system calls made from C (floor.c)
//   Node, thinnest addon  the same system calls from the thinnest Node addon
//                         that returns a promise (addon.c): Node's own cost
//   linux-aio ctx.read    the package (this checkout's dist/)
//
// floor.c and addon.c are built with `cc` into a directory of os.tmpdir() on
// first use; the addon needs Node's headers (node_api.h, uv.h), found next to
// the running node or in node-gyp's cache.
'use strict';
const { execFileSync, spawnSync } = require('child_process');
const crypto = require('crypto');
const fs = require('fs');
const os = require('os');
const path = require('path');

// Every failure is one line on stderr: exit 2 for the arguments, 1 otherwise.
function usage(message) {
  console.error(`npm run floor: ${message} (usage: npm run floor -- FILE [--rounds N] [--ms T]; defaults: 6 rounds of 1000 ms)`);
  process.exit(2);
}

function fatal(message) {
  console.error(`npm run floor: ${message}`);
  process.exit(1);
}

function parseArgs(argv) {
  const out = { file: null, rounds: 6, ms: 1000 };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--rounds' || a === '--ms') {
      const v = Number(argv[++i]);
      if (!Number.isInteger(v) || v < 1) usage(`${a} takes a positive integer`);
      if (a === '--ms' && (v < 100 || v > 600000)) usage('--ms takes 100 to 600000');
      out[a.slice(2)] = v;
    } else if (a.startsWith('-')) usage(`unknown option ${a}`);
    else if (out.file === null) out.file = a;
    else usage(`one FILE only (got ${a})`);
  }
  if (out.file === null) usage('FILE is needed: a written (not sparse) file of 64 MiB or more on the filesystem to measure');
  return out;
}

function nodeHeaders() {
  const candidates = [
    path.resolve(path.dirname(process.execPath), '..', 'include', 'node'),
    path.join(os.homedir(), '.cache', 'node-gyp', process.versions.node, 'include', 'node'),
  ];
  const dir = candidates.find((d) => fs.existsSync(path.join(d, 'node_api.h')) && fs.existsSync(path.join(d, 'uv.h')));
  if (dir === undefined) fatal(`Node's headers (node_api.h, uv.h) are in none of: ${candidates.join(', ')}`);
  return dir;
}

// Builds floor.c and addon.c once per version of them and of Node.
function build() {
  const here = __dirname;
  const sources = ['floor.c', 'addon.c'].map((f) => fs.readFileSync(path.join(here, f)));
  const key = crypto.createHash('sha256').update(process.version).update(Buffer.concat(sources)).digest('hex').slice(0, 12);
  const dir = path.join(os.tmpdir(), `linux-aio-floor-${key}`);
  const floor = path.join(dir, 'floor');
  const addon = path.join(dir, 'addon.node');
  if (!fs.existsSync(floor) || !fs.existsSync(addon)) {
    fs.mkdirSync(dir, { recursive: true });
    const cc = process.env.CC || 'cc';
    try {
      execFileSync(cc, ['-O2', '-o', floor, path.join(here, 'floor.c')], { stdio: ['ignore', 'ignore', 'pipe'] });
      execFileSync(cc, ['-O2', '-shared', '-fPIC', '-I', nodeHeaders(), '-o', addon, path.join(here, 'addon.c')], {
        stdio: ['ignore', 'ignore', 'pipe'],
      });
    } catch (err) {
      const why = (String(err.stderr || '').trim() || err.message).split('\n')[0];
      fatal(`building with ${cc} failed: ${why}`);
    }
  }
  return { floor, addon };
}

function main() {
  const args = parseArgs(process.argv.slice(2));
  // The file first: a bad one is reported as such, whatever the build would say.
  let fd;
  try {
    fd = fs.openSync(args.file, fs.constants.O_RDONLY | fs.constants.O_DIRECT);
  } catch (err) {
    fatal(`${args.file}: ${err.message} (O_DIRECT)`);
  }
  const st = fs.fstatSync(fd);
  if (st.size < 64 * 2 ** 20) fatal(`${args.file}: needs at least 64 MiB`);
  if (st.blocks * 512 < st.size) fatal(`${args.file}: sparse (holes are never read from the disk); write it in full first`);
  const blocks = Math.floor(Math.min(st.size, 2 ** 30) / 4096);
  const { floor, addon } = build();
  let pkg;
  try {
    pkg = require('../../dist/index.js');
  } catch (err) {
    fatal(`the package's dist/ does not load (npm run build:ts first): ${err.message.split('\n')[0]}`);
  }
  const { AioContext, allocAligned } = pkg;
  const native = require(addon);
  const buf = allocAligned(4096);
  const ctx = new AioContext();

  // C ways run in a child per slice; its output is "requests elapsed_us cpu_us".
  const cWay = (way) => () => {
    const r = spawnSync(floor, [args.file, String(way), String(args.ms)], { encoding: 'utf8' });
    if (r.status !== 0 && way === 'fio') return null; // fio is not on PATH, or it failed
    if (r.status !== 0) {
      const why = r.error ? r.error.message : r.signal ? `killed by ${r.signal}` : (r.stderr || `exit ${r.status}`).trim().split('\n')[0];
      fatal(`the C way ${way} failed: ${why}`);
    }
    const [n, t, c] = r.stdout.trim().split(' ').map(Number);
    return { n, t: t / 1000, c };
  };
  // In-process ways: awaited one request at a time, as a program would.
  const jsWay = (read) => async () => {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    let n = 0;
    while (performance.now() - t0 < args.ms) {
      const got = await read(Math.floor(Math.random() * blocks) * 4096);
      if (got !== 4096) throw new Error(`a read returned ${got}`);
      n++;
    }
    const c = process.cpuUsage(c0);
    return { n, t: performance.now() - t0, c: c.user + c.system };
  };
  const ways = [
    ['fio (libaio)', cWay('fio')],
    ['C 0: io_submit + io_getevents', cWay(0)],
    ['C 1: + eventfd, epoll, ring', cWay(1)],
    ['C 2: + statx', cWay(2)],
    ['C 3: + zero-timeout poll (floor)', cWay(3)],
    ['Node, thinnest addon', jsWay((pos) => native.read(fd, buf, pos))],
    ['linux-aio ctx.read', jsWay((pos) => ctx.read(fd, buf, pos))],
  ];
  const total = ways.map(() => ({ n: 0, t: 0, c: 0, ok: true }));
  (async () => {
    for (let r = -1; r < args.rounds; r++) {
      for (let k = 0; k < ways.length; k++) {
        const i = (r + 1 + k) % ways.length; // each way leads in turn
        if (!total[i].ok) continue;
        const got = await ways[i][1]();
        if (got === null) total[i].ok = false;
        else if (r >= 0) {
          total[i].n += got.n;
          total[i].t += got.t;
          total[i].c += got.c;
        }
      }
    }
    await ctx.close();
    fs.closeSync(fd);
    const base = total[0].ok ? 0 : 1;
    const iops = (x) => (x.n / x.t) * 1000;
    const cpu = (x) => x.c / x.n;
    const vs = base === 0 ? 'x fio' : 'x C 0';
    console.log(`depth 1, 4 KiB O_DIRECT random reads of ${args.file}: ${args.rounds} rounds of ${args.ms} ms slices`);
    console.log(`${''.padEnd(34)} ${'IOPS'.padStart(7)} ${vs.padStart(7)} ${'CPU us/op'.padStart(10)} ${vs.padStart(7)}`);
    ways.forEach(([name], i) => {
      const x = total[i];
      if (!x.ok) return console.log(`${name.padEnd(34)} (did not run: fio not on PATH, or it failed)`);
      const ratio = (v, b) => (v / b).toFixed(3).padStart(7);
      console.log(
        `${name.padEnd(34)} ${Math.round(iops(x)).toString().padStart(7)} ${ratio(iops(x), iops(total[base]))} ` +
          `${cpu(x).toFixed(1).padStart(10)} ${ratio(cpu(x), cpu(total[base]))}`,
      );
    });
  })().catch((err) => fatal(err instanceof Error ? err.message : String(err)));
}

main();
