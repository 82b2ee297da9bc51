#!/usr/bin/env node
// npm run soak -- --minutes N [--depth 128] [--blocks 4096] [--seed S] [--dir D] [--leaks]
// The long data-integrity soak of test/robustness/soak.test.js: random-size writes and
// reads at depth 128 over an O_DIRECT and a buffered file, every block checked
// against a model, fsync barriers with whole-file checks. Exits 1 on any
// mismatch. --leaks also runs the full-size leak checks (a million requests,
// 10,000 contexts closed and 10,000 dropped, 100 workers terminated mid-I/O).
'use strict';
const fs = require('fs');
const os = require('os');
const path = require('path');
const { spawnSync } = require('child_process');
const { soak } = require('../test/fixtures/soak-engine');

function arg(name, fallback) {
  const i = process.argv.indexOf(`--${name}`);
  if (i < 0) return fallback;
  return process.argv[i + 1];
}
const flag = (name) => process.argv.includes(`--${name}`);

async function main() {
  const minutes = Number(arg('minutes', arg('seconds') ? Number(arg('seconds')) / 60 : 1));
  const depth = Number(arg('depth', 128));
  const blocks = Number(arg('blocks', 4096));
  const seed = Number(arg('seed', (Date.now() ^ process.pid) & 0x7fffffff));
  const base = arg('dir', os.tmpdir());
  if (!(minutes > 0) || !(depth >= 1) || !(blocks >= 64)) {
    console.error('usage: npm run soak -- --minutes N [--depth 128] [--blocks 4096] [--seed S] [--dir D] [--leaks]');
    process.exit(2);
  }
  const dir = fs.mkdtempSync(path.join(base, 'linux-aio-soak-'));
  console.log(`soak: ${minutes} min, depth ${depth}, seed ${seed}, in ${dir}`);
  let ok = true;
  try {
    const f = await soak({ dir, seconds: minutes * 60, depth, blocks, seed, log: (m) => console.log(`  ${m}`) });
    console.log(`soak: ${f.requests} requests (${f.writes} writes, ${f.reads} reads, ${f.vectored} vectored, ${f.syncs} fsync/fdatasync) in ${f.seconds} s`);
    console.log(`      files: ${f.files.join(', ')}`);
    console.log(`      ${(f.bytesWritten / 2 ** 30).toFixed(2)} GiB written, ${(f.bytesRead / 2 ** 30).toFixed(2)} GiB read, ${f.blocksVerified} blocks verified on read, ${f.fullChecks} whole-file checks`);
    console.log(`      counters: ${JSON.stringify(f.stats)}`);
    console.log(`      mismatches: ${f.problemCount}`);
    for (const p of f.problems) console.log(`        ${p}`);
    ok = f.problemCount === 0;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
  if (flag('leaks')) {
    const fx = path.join(__dirname, '..', 'test', 'fixtures');
    for (const [script, args] of [['leak-requests.js', [1000000]], ['leak-contexts.js', [10000, 10000, 16]], ['leak-workers.js', [100]]]) {
      console.log(`leaks: ${script} ${args.join(' ')}`);
      const r = spawnSync(process.execPath, ['--expose-gc', path.join(fx, script), ...args.map(String)], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
      console.log(`      ${r.stdout.trim()}`);
      if (r.status !== 0) ok = false;
    }
  }
  console.log(ok ? 'soak: PASSED' : 'soak: FAILED');
  process.exit(ok ? 0 : 1);
}
main().catch((e) => {
  console.error(e);
  process.exit(1);
});
