#!/usr/bin/env node
// npm run ab -- [--iodepth 1] [--buffered [--cold]] [--slices 60] [--ms 200] [--filename F] BUILD...
// Compares builds of the package (each a checkout with dist/ built, or its
// dist/index.js) in one process: random 4 KiB reads, one AioContext per build,
// in slices of --ms that rotate between the builds, so that the machine's slow
// and fast phases fall on each alike. This VM's phases move a single run by
// 5-10%, which hides a change of a few per cent between two `bench` runs; here
// two copies of the same build agree within ~3%. Prints IOPS, CPU per request
// and each build's ratio to the first (whole and median slice).
'use strict';
const fs = require('fs');
const os = require('os');
const path = require('path');

const args = process.argv.slice(2);
function option(name, fallback) {
  const i = args.indexOf(`--${name}`);
  if (i < 0) return fallback;
  const [value] = args.splice(i, 2).slice(1);
  return value;
}
function flag(name) {
  const i = args.indexOf(`--${name}`);
  if (i >= 0) args.splice(i, 1);
  return i >= 0;
}
const buffered = flag('buffered');
// Buffered reads of an evicted file: evicted again before every slice.
const cold = flag('cold');
const depth = Number(option('iodepth', 1));
const slices = Number(option('slices', 60));
const ms = Number(option('ms', 200));
const given = option('filename', null);
const builds = args.map((b) => (b.endsWith('.js') ? path.resolve(b) : path.resolve(b, 'dist', 'index.js')));
if (builds.length < 1 || (cold && !buffered) || !(depth >= 1) || !(slices >= 1) || !(ms >= 10) || builds.some((b) => !fs.existsSync(b))) {
  console.error('usage: npm run ab -- [--iodepth N] [--buffered [--cold]] [--slices N] [--ms N] [--filename F] BUILD...');
  console.error('  BUILD: a checkout of linux-aio with dist/ built (npm run build:ts), or its dist/index.js');
  process.exit(2);
}

const SIZE = 1 << 30;
const BS = 4096;

function openFile() {
  let file = given;
  if (file === null) {
    file = path.join(os.tmpdir(), `linux-aio-ab-${process.pid}`);
    const fd = fs.openSync(file, 'w');
    const chunk = Buffer.alloc(1 << 20, 0x5a);
    for (let off = 0; off < SIZE; off += chunk.length) fs.writeSync(fd, chunk, 0, chunk.length, off);
    fs.closeSync(fd);
  }
  const flags = fs.constants.O_RDONLY | (buffered ? 0 : fs.constants.O_DIRECT);
  const fd = fs.openSync(file, flags);
  const blocks = Math.floor(fs.fstatSync(fd).size / BS);
  if (buffered && !cold) fs.readFileSync(file); // warm: every read a page-cache hit
  return { file, fd, blocks, created: given === null };
}

async function slice(state, fd, blocks, evict) {
  if (evict !== null) evict(state.file);
  let ops = 0;
  const end = performance.now() + ms;
  const cpu = process.cpuUsage();
  await Promise.all(
    state.buffers.map(async (buf) => {
      for (;;) {
        await state.ctx.read(fd, buf, Math.floor(Math.random() * blocks) * BS);
        ops++;
        if (performance.now() >= end) return;
      }
    }),
  );
  const used = process.cpuUsage(cpu);
  return { ops, cpuUs: used.user + used.system };
}

async function main() {
  const { file, fd, blocks, created } = openFile();
  // The benchmark's own eviction (fdatasync, then POSIX_FADV_DONTNEED).
  const evict = cold ? require(path.join(path.dirname(builds[0]), 'cli', 'cache')).evict : null;
  const states = builds.map((b) => {
    const mod = require(b);
    return { file, ctx: new mod.AioContext({ depth: Math.max(depth, 1) }), buffers: Array.from({ length: depth }, () => mod.allocAligned(BS, BS)), ops: 0, cpuUs: 0, ratios: [] };
  });
  try {
    for (let i = 0; i < slices; i++) {
      const got = [];
      for (let k = 0; k < states.length; k++) {
        const j = (i + k) % states.length; // each build leads in turn
        got[j] = await slice(states[j], fd, blocks, evict);
      }
      got.forEach((g, j) => {
        states[j].ops += g.ops;
        states[j].cpuUs += g.cpuUs;
        states[j].ratios.push(g.ops / got[0].ops);
      });
    }
  } finally {
    for (const s of states) await s.ctx.close();
    fs.closeSync(fd);
    if (created) fs.unlinkSync(file);
  }
  const seconds = (slices * ms) / 1000;
  console.log(`randread bs=4KiB iodepth=${depth} ${buffered ? (cold ? 'buffered, evicted before each slice' : 'buffered, warm') : 'direct'}; ${slices} slices of ${ms} ms per build, rotated`);
  states.forEach((s, j) => {
    const sorted = [...s.ratios].sort((a, b) => a - b);
    console.log(
      `${path.relative(process.cwd(), builds[j]) || builds[j]}: ${(s.ops / seconds).toFixed(0)} IOPS, ` +
        `${(s.cpuUs / s.ops).toFixed(2)} µs CPU/op, vs first ${(s.ops / states[0].ops).toFixed(3)} ` +
        `(median slice ${sorted[sorted.length >> 1].toFixed(3)})`,
    );
  });
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
