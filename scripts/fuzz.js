#!/usr/bin/env node
// npm run fuzz -- [--runs N | --seconds N | --minutes N] [--seed S]
// The property-based fuzz of test/robustness/fuzz.test.js, longer: hostile calls to every
// public function (the POSIX layer too), checking that the process survives,
// every failure is an Error with a code, and no byte around any buffer view
// changes. Exits 1 with the seed and the shrunk counterexample on a failure.
'use strict';
const path = require('path');
const { spawnSync } = require('child_process');

function arg(name) {
  const i = process.argv.indexOf(`--${name}`);
  return i < 0 ? undefined : Number(process.argv[i + 1]);
}
const options = {};
if (arg('runs') !== undefined) options.runs = arg('runs');
else if (arg('minutes') !== undefined) options.seconds = arg('minutes') * 60;
else options.seconds = arg('seconds') ?? 300;
if (arg('seed') !== undefined) options.seed = arg('seed');
if (Object.values(options).some((v) => !Number.isFinite(v) || v < 0)) {
  console.error('usage: npm run fuzz -- [--runs N | --seconds N | --minutes N] [--seed S]');
  process.exit(2);
}
console.log(`fuzz: ${options.runs !== undefined ? `${options.runs} cases` : `${options.seconds} s`}${options.seed !== undefined ? `, seed ${options.seed}` : ''}`);
// A child process: a crash is a failure we report, not one that takes us down.
const r = spawnSync(process.execPath, [path.join(__dirname, '..', 'test', 'fixtures', 'fuzz-harness.js'), JSON.stringify(options)], {
  encoding: 'utf8',
  stdio: ['ignore', 'pipe', 'inherit'],
  maxBuffer: 64 << 20,
});
let out = null;
try {
  out = JSON.parse(r.stdout.trim().split('\n').pop());
} catch {
  // below
}
if (r.status !== 0 || r.signal || out === null) {
  console.log(`fuzz: the fuzzed process died (status ${r.status}, signal ${r.signal})`);
  console.log(r.stdout);
  process.exit(1);
}
console.log(`fuzz: ${out.runs} cases, ${out.counts.calls} calls (${out.counts.threw} threw, ${out.counts.rejected} rejected, ${out.counts.resolved} succeeded; ${out.counts.posixCalls} POSIX) in ${out.seconds} s, seed ${out.seed}${out.posix ? '' : ' (no POSIX layer exported)'}`);
console.log(`      calls by function: ${JSON.stringify(out.counts.byFn)}`);
if (out.failure) {
  console.log(`fuzz: FAILED (seed ${out.failure.seed}, path ${out.failure.path})`);
  console.log(out.failure.error);
  console.log(`counterexample: ${out.failure.counterexample}`);
  process.exit(1);
}
console.log('fuzz: PASSED');
