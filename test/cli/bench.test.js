// `linux-aio bench`: tiny real jobs through the CLI, its outputs, its cleanup and
// its refusals. Nothing here asserts on speed: only on shape and behaviour.
'use strict';
const crypto = require('crypto');
const fs = require('fs');
const path = require('path');
const { spawn } = require('child_process');
const { runNode, tmpDir } = require('../helpers');
const { parseSize, parseDuration } = require('../../dist/cli/units');
const { LatencyHistogram } = require('../../dist/cli/histogram');
const { parseBenchArgs } = require('../../dist/cli/args');

const CLI = path.join(__dirname, '..', '..', 'dist', 'cli', 'main.js');
const TINY = ['--size', '16m', '--runtime', '300ms'];

function bench(args, options) {
  return runNode([CLI, 'bench', ...args], options);
}

function sha(file) {
  return crypto.createHash('sha256').update(fs.readFileSync(file)).digest('hex');
}

describe('units and options', () => {
  test('sizes and durations as fio spells them', () => {
    expect(parseSize('4k')).toBe(4096);
    expect(parseSize('64m')).toBe(64 * 1024 * 1024);
    expect(parseSize('1g')).toBe(1024 ** 3);
    expect(parseSize('4KiB')).toBe(4096);
    expect(parseSize('512')).toBe(512);
    expect(parseSize('1.5k')).toBe(1536);
    expect(parseSize('4x')).toBeUndefined();
    expect(parseSize('')).toBeUndefined();
    expect(parseDuration('5s')).toBe(5000);
    expect(parseDuration('500ms')).toBe(500);
    expect(parseDuration('1m')).toBe(60000);
    expect(parseDuration('2')).toBe(2000);
    expect(parseDuration('5 parsecs')).toBeUndefined();
  });

  test('defaults, and fio-style flags', () => {
    const o = parseBenchArgs([]);
    expect(o).toMatchObject({ rw: 'randread', bs: 4096, iodepth: 32, runtimeMs: 5000, direct: true, engines: ['aio', 'lio', 'fs', 'fs-pool', 'fs-uring', 'fio', 'fio-uring'] });
    expect(parseBenchArgs(['--direct=0']).direct).toBe(false);
    expect(parseBenchArgs(['--buffered', '--cache=warm'])).toMatchObject({ direct: false, cache: 'warm' });
    expect(parseBenchArgs(['--bs=64k', '--iodepth', '1']).bs).toBe(65536);
  });
});

test('the histogram keeps every percentile within 1%', () => {
  const h = new LatencyHistogram();
  const values = [];
  let x = 12345;
  for (let i = 0; i < 200000; i++) {
    x = (x * 1103515245 + 12345) % 2147483648;
    // Log-uniform from 50 ns to 50 ms, the range request latencies live in.
    const v = Math.round(50 * Math.pow(1e6, x / 2147483648));
    values.push(v);
    h.record(v);
  }
  values.sort((a, b) => a - b);
  for (const p of [1, 50, 90, 99, 99.9, 99.99]) {
    const exact = values[Math.ceil((p / 100) * values.length) - 1];
    expect(Math.abs(h.percentile(p) - exact) / exact).toBeLessThan(0.01);
  }
  expect(h.percentile(100)).toBe(values[values.length - 1]);
  expect(h.bins().reduce((n, b) => n + b[2], 0)).toBe(values.length);
  // Around the bounds of the 32-bit fast path (shifts below 2^32, log2 above).
  for (const v of [255, 256, 2 ** 31 - 1, 2 ** 31, 2 ** 32 - 1, 2 ** 32, 2 ** 32 + 1, 3e10]) {
    const one = new LatencyHistogram();
    one.record(v);
    one.record(v);
    expect(Math.abs(one.percentile(50) - v) / v).toBeLessThan(0.008);
  }
});

test('a tiny job prints the table with every engine, on stdout, and removes its file', () => {
  const r = bench([...TINY, '--iodepth', '4']);
  expect(r.status).toBe(0);
  const file = /^file: +(\S+) \(created/m.exec(r.stdout)[1];
  expect(fs.existsSync(file)).toBe(false);
  expect(r.stdout).toMatch(/^job: +randread bs=4KiB size=16MiB iodepth=4 runtime=300ms direct$/m);
  expect(r.stdout).toMatch(/^machine: +Linux /m);
  expect(r.stdout).toMatch(/^\| engine +\| +IOPS \| MiB\/s \| p50 µs \| p99 µs \| p99\.9 µs \| CPU µs\/op \| loop p99 ms \| +vs fs \|$/m); // the column widens for a ratio of 10× or more (fio)
  for (const engine of ['aio', 'lio', 'fs', 'fs-pool', 'fs-uring', 'fio', 'fio-uring']) expect(r.stdout).toMatch(new RegExp(`^\\| ${engine} +\\| `, 'm'));
  expect(r.stdout).toMatch(/fs-uring: UV_USE_IO_URING=1/);
  // aio and fs always run here; their rows hold numbers.
  expect(r.stdout).toMatch(/^\| aio +\| +[\d.]+k? \|/m);
  expect(r.stdout).toMatch(/^\| fs +\| +[\d.]+k? \|.*\| +1\.00× \|$/m);
  // Not a terminal: plain progress lines on stderr, no carriage returns.
  expect(r.stderr).toMatch(/^aio: running$/m);
  expect(r.stderr).toMatch(/^aio: [\d.]+k? IOPS, p99 [\d.]+ µs$/m);
  expect(r.stderr).not.toMatch(/\r/);
});

test('--json prints exactly one object of the documented shape, and --report writes a self-contained page', () => {
  const dir = tmpDir();
  const report = path.join(dir, 'report.html');
  const r = bench([...TINY, '--engines', 'aio,fs,lio', '--rw', 'randrw', '--json', '--report', report]);
  expect(r.status).toBe(0);
  const out = JSON.parse(r.stdout); // throws if anything else is on stdout
  expect(out.job).toMatchObject({ rw: 'randrw', bs: 4096, size: 16 * 1024 * 1024, iodepth: 32, runtimeMs: 300, direct: true, createdFile: true });
  expect(out.machine).toEqual(expect.objectContaining({ kernel: expect.stringMatching(/^Linux /), filesystem: expect.any(String), cpus: expect.any(Number) }));
  expect(out.engines.map((e) => e.engine)).toEqual(['aio', 'fs', 'lio']);
  for (const e of out.engines) {
    if (e.error !== undefined) {
      expect(e.engine).toBe('lio'); // only the POSIX layer may be missing
      expect(e.error).toMatch(/POSIX layer/);
      continue;
    }
    expect(e).toEqual(
      expect.objectContaining({
        iops: expect.any(Number),
        mibps: expect.any(Number),
        latUs: { p50: expect.any(Number), p99: expect.any(Number), p999: expect.any(Number) },
        cpuUsPerOp: expect.any(Number),
        loopDelayP99Ms: expect.any(Number),
        ratioToFs: expect.any(Number),
      }),
    );
    expect(e.iops).toBeGreaterThan(0);
    expect(e.latUs.p50).toBeLessThanOrEqual(e.latUs.p99);
    expect(e.latUs.p99).toBeLessThanOrEqual(e.latUs.p999);
  }
  expect(out.engines.find((e) => e.engine === 'fs').ratioToFs).toBe(1);
  expect(fs.existsSync(out.job.filename)).toBe(false);
  // Where the time went, for the engines on a context; fs has no such stages.
  for (const name of ['aio', 'lio']) {
    const b = out.engines.find((e) => e.engine === name).breakdownUs;
    for (const stage of ['queued', 'inKernel', 'delivered']) {
      expect(b[stage].p50).toBeGreaterThan(0);
      expect(b[stage].p50).toBeLessThanOrEqual(b[stage].p99);
    }
  }
  expect(out.engines.find((e) => e.engine === 'fs').breakdownUs).toBeUndefined();

  const html = fs.readFileSync(report, 'utf8');
  expect(html).toMatch(/^<!DOCTYPE html>/);
  expect(html).toContain('<table>');
  expect((html.match(/<svg /g) || []).length).toBe(out.engines.filter((e) => e.error === undefined).length);
  // Self-contained: no scripts, no links or sources, no URL but the SVG namespace.
  expect(html).not.toMatch(/<script|<link|\ssrc=|\shref=|url\(/i);
  expect(html.replace(/xmlns="http:\/\/www\.w3\.org\/2000\/svg"/g, '')).not.toMatch(/https?:/);
});

test('--breakdown adds the stage columns; --buffers plain runs the copy path', () => {
  const r = bench([...TINY, '--engines', 'aio,fs', '--breakdown', '--buffers', 'plain']);
  expect(r.status).toBe(0);
  const header = r.stdout.split('\n').find((l) => l.startsWith('| engine'));
  expect(header).toMatch(/queued µs \| in kernel µs \| delivered µs \|$/);
  const aioRow = r.stdout.split('\n').find((l) => l.startsWith('| aio'));
  expect(aioRow).toMatch(/\d+(\.\d+)? \/ \d+(\.\d+)? \|$/);
  expect(parseBenchArgs(['--buffers', 'plain']).buffers).toBe('plain');
  expect(() => parseBenchArgs(['--buffers', 'odd'])).toThrow(/--buffers must be aligned or plain/);
});

test('--rounds interleaves the engines and shows each one\'s median round, with every round\'s IOPS', () => {
  const r = bench([...TINY, '--engines', 'aio,fs', '--rounds', '3', '--json']);
  expect(r.status).toBe(0);
  const out = JSON.parse(r.stdout);
  expect(out.job.rounds).toBe(3);
  expect(out.job.description).toMatch(/3 interleaved rounds/);
  for (const e of out.engines) {
    expect(e.roundsIops).toHaveLength(3);
    const sorted = [...e.roundsIops].sort((a, b) => a - b);
    expect(e.iops).toBe(sorted[1]); // the row is the median round, whole
  }
  // Interleaved: aio, fs, aio, fs, ... as the progress lines on stderr say.
  const order = r.stderr.split('\n').filter((l) => /\(round \d\/3\): .* IOPS/.test(l)).map((l) => l.replace(/ \(round (\d)\/3\).*/, ' $1'));
  expect(order).toEqual(['aio 1', 'fs 1', 'aio 2', 'fs 2', 'aio 3', 'fs 3']);
  const table = bench([...TINY, '--engines', 'aio', '--rounds', '2']);
  expect(table.stdout).toMatch(/IOPS by round:\n {2}aio +[\d.]+k?, [\d.]+k?\n/);
  expect(parseBenchArgs([]).rounds).toBe(1);
  expect(() => parseBenchArgs(['--rounds', '0'])).toThrow(/--rounds must be an integer from 1 to 100/);
});

describe('--numjobs', () => {
  const { Workload } = require('../../dist/cli/workload');
  const { fioArgs } = require('../../dist/cli/engines/fio');

  test('parsing, and a size too small for a block per job', () => {
    expect(parseBenchArgs([]).numjobs).toBe(1);
    expect(parseBenchArgs(['--numjobs', '2']).numjobs).toBe(2);
    expect(() => parseBenchArgs(['--numjobs', '0'])).toThrow(/--numjobs must be an integer from 1/);
    expect(() => parseBenchArgs(['--numjobs', '2', '--size', '4k'])).toThrow(/at least --bs \(4KiB\) times --numjobs \(2\)/);
  });

  test('job i covers its own share of the file', () => {
    const job = { rw: 'randread', bs: 4096, size: 3 * 4096 * 10 + 100, numjobs: 3 };
    for (let index = 0; index < 3; index++) {
      const w = new Workload(job, index);
      const seen = new Set();
      for (let i = 0; i < 2000; i++) seen.add(w.nextPosition());
      expect(Math.min(...seen)).toBe(index * 40960);
      expect(Math.max(...seen)).toBe(index * 40960 + 36864);
      expect(seen.size).toBe(10);
    }
    const seq = new Workload({ ...job, rw: 'read' }, 2);
    expect([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10].map(() => seq.nextPosition())).toEqual([...[0, 1, 2, 3, 4, 5, 6, 7, 8, 9].map((k) => 81920 + k * 4096), 81920]);
  });

  test('fio gets numjobs, a share each, and one group', () => {
    const args = fioArgs({ rw: 'randread', bs: 4096, size: 1 << 24, iodepth: 4, numjobs: 2, runtimeMs: 300, direct: true, filename: '/x' });
    expect(args).toEqual(expect.arrayContaining(['--numjobs=2', '--size=8388608', '--offset_increment=8388608', '--group_reporting']));
    expect(args).not.toContain('--size=16777216');
  });

  test('every engine runs its jobs at once and reports them together', () => {
    const r = bench([...TINY, '--iodepth', '4', '--numjobs', '2', '--engines', 'aio,lio,fs,aio-fs,fio', '--json']);
    expect(r.status).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.job.numjobs).toBe(2);
    expect(out.job.description).toMatch(/iodepth=4 numjobs=2 /);
    for (const e of out.engines) {
      if (e.engine === 'fio' && e.error !== undefined) {
        console.log(`fio row skipped: ${e.error}`);
        continue;
      }
      expect({ engine: e.engine, error: e.error, ran: e.iops > 0 && e.cpuUsPerOp > 0 }).toEqual({ engine: e.engine, error: undefined, ran: true });
    }
  });
});

test('buffered jobs: cold and warm cache, and writing patterns', () => {
  for (const args of [['--buffered'], ['--buffered', '--cache', 'warm', '--rw', 'read'], ['--rw', 'write', '--bs', '8k']]) {
    const r = bench([...TINY, '--iodepth', '8', '--engines', 'aio,fs', '--json', ...args]);
    expect(r.status).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.engines.every((e) => e.error === undefined && e.iops > 0)).toBe(true);
  }
});

test('an engine that cannot run says why in its row', () => {
  const r = bench([...TINY, '--engines', 'fio', '--json'], { env: { PATH: '/nonexistent' } });
  expect(r.status).toBe(1); // nothing ran
  const out = JSON.parse(r.stdout);
  expect(out.engines).toEqual([expect.objectContaining({ engine: 'fio', iops: null, error: expect.stringMatching(/fio is not on PATH/) })]);
});

describe('refusals', () => {
  test('unknown options and bad values: exit 2 with the reason', () => {
    const cases = [
      [['--bogus'], /unknown option '--bogus'/],
      [['--rw', 'sideways'], /--rw must be one of/],
      [['--bs', '1000'], /--bs must be a multiple of 512/],
      [['--size', 'lots'], /--size must be a size/],
      [['--iodepth', '0'], /--iodepth must be an integer from 1/],
      [['--runtime', 'forever'], /--runtime must be a duration/],
      [['--engines', 'aio,nope'], /--engines takes a list/],
      [['--cache', 'warm'], /--cache applies to --buffered/],
      [['--filename'], /--filename needs a value/],
    ];
    for (const [args, message] of cases) {
      const r = bench(args);
      expect({ args, status: r.status, stdout: r.stdout }).toEqual({ args, status: 2, stdout: '' });
      expect(r.stderr).toMatch(message);
    }
    expect(runNode([CLI, 'frobnicate']).status).toBe(2);
  });

  test('not enough room for --size', () => {
    const r = bench(['--size', '64t', '--runtime', '100ms']);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/not enough room in \S+ for --size 64TiB: .* available/);
    expect(r.stdout).toBe('');
  });

  test('an existing file is never written without --allow-write, and never removed', () => {
    const dir = tmpDir();
    const file = path.join(dir, 'mine.dat');
    fs.writeFileSync(file, crypto.randomBytes(4 * 1024 * 1024));
    const before = sha(file);
    for (const rw of ['randwrite', 'write', 'randrw']) {
      const r = bench(['--filename', file, '--rw', rw, '--runtime', '100ms']);
      expect(r.status).toBe(1);
      expect(r.stderr).toMatch(new RegExp(`refusing to write to ${file.replace(/[.]/g, '\\.')}: --rw ${rw} writes.*--allow-write`));
    }
    // Reading it is fine: whole file by default, and it stays.
    const r = bench(['--filename', file, '--runtime', '100ms', '--engines', 'aio,fs', '--json']);
    expect(r.status).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.job).toMatchObject({ filename: file, size: 4 * 1024 * 1024, createdFile: false });
    expect(sha(file)).toBe(before);
    // --size beyond its end is refused.
    expect(bench(['--filename', file, '--size', '8m', '--runtime', '100ms']).stderr).toMatch(/larger than/);
    // With --allow-write it is written, and still kept.
    const w = bench(['--filename', file, '--rw', 'randwrite', '--allow-write', '--runtime', '100ms', '--engines', 'aio']);
    expect(w.status).toBe(0);
    expect(fs.statSync(file).size).toBe(4 * 1024 * 1024);
    expect(sha(file)).not.toBe(before);
  });
});

function childrenOf(pid) {
  const out = [];
  for (const task of fs.readdirSync(`/proc/${pid}/task`)) {
    try {
      out.push(...fs.readFileSync(`/proc/${pid}/task/${task}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number));
    } catch {
      // the thread ended
    }
  }
  return out;
}

function alive(pid) {
  try {
    process.kill(pid, 0);
    return !fs.readFileSync(`/proc/${pid}/stat`, 'utf8').includes(') Z ');
  } catch {
    return false;
  }
}

test.each(['SIGINT', 'SIGTERM'])('%s: the file is removed and the engine child stopped', async (signal) => {
  const child = spawn(process.execPath, [CLI, 'bench', '--size', '32m', '--runtime', '20s', '--engines', 'aio'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.setEncoding('utf8');
  await new Promise((resolve, reject) => {
    child.stderr.on('data', (d) => {
      stderr += d;
      if (/aio: running/.test(stderr)) resolve();
    });
    child.on('exit', () => reject(new Error(`exited early: ${stderr}`)));
  });
  const file = /creating (\S+) \(/.exec(stderr)[1];
  expect(fs.existsSync(file)).toBe(true);
  // Wait for the worker process to show up, then interrupt.
  let workers = [];
  for (let i = 0; i < 100 && workers.length === 0; i++) {
    workers = childrenOf(child.pid);
    if (workers.length === 0) await new Promise((r) => setTimeout(r, 20));
  }
  expect(workers.length).toBeGreaterThan(0);
  child.kill(signal);
  const code = await new Promise((resolve) => child.on('exit', (c, s) => resolve(c ?? s)));
  expect(code).toBe(signal === 'SIGINT' ? 130 : 143);
  expect(stderr).toMatch(new RegExp(`${signal}: stopping, removing`));
  expect(fs.existsSync(file)).toBe(false);
  for (let i = 0; i < 100 && workers.some(alive); i++) await new Promise((r) => setTimeout(r, 20));
  expect(workers.filter(alive)).toEqual([]);
});
