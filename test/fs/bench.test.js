// The benchmark's linux-aio/fs parts: the aio-fs engine, and whole-file jobs.
'use strict';
const fs = require('fs');
const path = require('path');
const { runNode, tmpDir } = require('../helpers');

const CLI = path.join(__dirname, '..', '..', 'dist', 'cli', 'main.js');
// Each run gets a temporary directory of its own (TMPDIR): nothing may be left in it.
function bench(args) {
  const dir = tmpDir();
  const r = runNode([CLI, 'bench', ...args], { env: { TMPDIR: dir } });
  r.left = fs.readdirSync(dir);
  return r;
}

test('the aio-fs engine runs beside aio and fs', () => {
  const r = bench(['--engines', 'aio,aio-fs,fs', '--runtime', '200ms', '--size', '16m', '--json']);
  expect(r.status).toBe(0);
  const out = JSON.parse(r.stdout);
  expect(out.engines.map((e) => e.engine)).toEqual(['aio', 'aio-fs', 'fs']);
  for (const e of out.engines) expect(e.iops).toBeGreaterThan(0);
  expect(r.left).toEqual([]);
});

test.each(['readfile', 'writefile', 'stream-read', 'stream-write'])('--rw %s: every variant, ratios to node, file removed', (mode) => {
  const r = bench(['--rw', mode, '--size', '8m', '--rounds', '2', '--touch', '16m', '--json']);
  expect(r.stderr).toMatch(/round 2 aio-direct/);
  expect(r.status).toBe(0);
  const out = JSON.parse(r.stdout);
  expect(out.job).toMatchObject({ mode, size: 8 << 20, rounds: 2 });
  expect(out.variants.map((v) => v.variant)).toEqual(['node', 'aio', 'aio-direct']);
  for (const v of out.variants) {
    expect(v.rounds).toHaveLength(2);
    expect(v.mibps.median).toBeGreaterThan(0);
    expect(v.ratioToNode.median).toBeGreaterThan(0);
  }
  expect(out.variants[0].ratioToNode.median).toBe(1);
  expect(r.left).toEqual([]);
});

test('whole-file usage errors exit 2', () => {
  const r = runNode([CLI, 'bench', '--rw', 'readfile', '--variants', 'nope']);
  expect(r.status).toBe(2);
  expect(r.stderr).toMatch(/--variants takes a list/);
  const h = runNode([CLI, 'bench', '--rw', 'writefile', '--help']);
  expect(h.status).toBe(0);
  expect(h.stdout).toMatch(/--rw readfile\|writefile\|stream-read\|stream-write/);
});
