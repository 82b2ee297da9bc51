// `linux-aio bench --rw readfile|writefile|stream-read|stream-write`: whole-file
// jobs comparing linux-aio/fs with Node's fs.promises and fs streams on the same
// file, in interleaved rounds, each run in a fresh child process that first
// touches a few GiB of new memory.
import { spawn } from 'child_process';
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { evict, warm } from './cache';
import { Cleanup } from './cleanup';
import { checkRoom, createJobFile, Job } from './job';
import { machineInfo } from './machine';
import { formatSize, parseSize } from './units';
import type { WholeResult, WholeTask } from './whole-worker';

/** The whole-file modes of --rw. */
export const WHOLE_MODES = ['readfile', 'writefile', 'stream-read', 'stream-write'] as const;
type Mode = (typeof WHOLE_MODES)[number];
type Variant = WholeTask['variant'];

export const WHOLE_USAGE = `usage: linux-aio bench --rw readfile|writefile|stream-read|stream-write [options]

Times whole-file reads or writes of one file with Node's fs (fs.promises.readFile/writeFile,
fs.createReadStream/createWriteStream) and with linux-aio/fs (buffered, and direct: true), in
interleaved rounds. Each run is a fresh child process that first touches --touch bytes of new
memory (this VM returns freed memory to its host; a page touched again costs a host fault).

  --size SIZE        bytes of the file                                       [1g]
  --bs SIZE          highWaterMark of the stream modes                       [64k]
  --rounds N         rounds; each runs every variant once, in turn          [3]
  --cache cold|warm  reads: evict the file before each run, or cache it all [cold]
  --touch SIZE       fresh memory touched before each timed run              [3g]
  --variants LIST    node,aio,aio-direct                                      [all]
  --read-ahead N     stream-read: reads in flight of linux-aio/fs            [its default]
  --write-behind N   stream-write: writes in flight of linux-aio/fs          [its default]
  --filename PATH    read an existing file (reads only; never written)
  --json             print JSON instead of the table
`;

interface WholeOptions {
  mode: Mode;
  size: number;
  bs: number;
  rounds: number;
  cache: 'cold' | 'warm';
  touch: number;
  variants: Variant[];
  readAhead?: number;
  writeBehind?: number;
  filename?: string;
  json: boolean;
  help: boolean;
}

class WholeUsageError extends Error {}

function parse(argv: readonly string[]): WholeOptions {
  const o: WholeOptions = { mode: 'readfile', size: 1024 ** 3, bs: 64 * 1024, rounds: 3, cache: 'cold', touch: 3 * 1024 ** 3, variants: ['node', 'aio', 'aio-direct'], json: false, help: false };
  const size = (name: string, v: string): number => {
    const n = parseSize(v);
    if (n === undefined || n < 0) throw new WholeUsageError(`--${name} must be a size such as 64k or 1g (got '${v}')`);
    return n;
  };
  const int = (name: string, v: string): number => {
    if (!/^\d+$/.test(v) || Number(v) < 1) throw new WholeUsageError(`--${name} must be a positive integer (got '${v}')`);
    return Number(v);
  };
  for (let i = 0; i < argv.length; i++) {
    const m = /^--([a-z-]+)(?:=(.*))?$/s.exec(argv[i]);
    if (argv[i] === '-h' || m?.[1] === 'help') {
      o.help = true;
      continue;
    }
    if (m === null) throw new WholeUsageError(`unexpected argument '${argv[i]}'`);
    const name = m[1];
    if (name === 'json') {
      o.json = true;
      continue;
    }
    const v = m[2] ?? argv[++i];
    if (v === undefined) throw new WholeUsageError(`--${name} needs a value`);
    switch (name) {
      case 'rw':
        if (!(WHOLE_MODES as readonly string[]).includes(v)) throw new WholeUsageError(`--rw must be one of ${WHOLE_MODES.join(', ')} here (got '${v}')`);
        o.mode = v as Mode;
        break;
      case 'size':
        o.size = size(name, v);
        break;
      case 'bs':
        o.bs = size(name, v);
        break;
      case 'touch':
        o.touch = size(name, v);
        break;
      case 'rounds':
        o.rounds = int(name, v);
        break;
      case 'read-ahead':
        o.readAhead = int(name, v);
        break;
      case 'write-behind':
        o.writeBehind = int(name, v);
        break;
      case 'cache':
        if (v !== 'cold' && v !== 'warm') throw new WholeUsageError(`--cache must be cold or warm (got '${v}')`);
        o.cache = v;
        break;
      case 'variants': {
        const list = v.split(',').filter((s) => s !== '');
        if (list.length === 0 || list.some((x) => x !== 'node' && x !== 'aio' && x !== 'aio-direct')) {
          throw new WholeUsageError(`--variants takes a list of node, aio, aio-direct (got '${v}')`);
        }
        o.variants = [...new Set(list as Variant[])];
        break;
      }
      case 'filename':
        o.filename = path.resolve(v);
        break;
      default:
        throw new WholeUsageError(`unknown option '--${name}' for a whole-file job`);
    }
  }
  if (o.filename !== undefined && (o.mode === 'writefile' || o.mode === 'stream-write')) {
    throw new WholeUsageError('--filename is for reading modes only: writing modes write a file of their own');
  }
  return o;
}

/** Whether the arguments ask for a whole-file job. */
export function isWholeJob(argv: readonly string[]): boolean {
  for (let i = 0; i < argv.length; i++) {
    const m = /^--rw(?:=(.*))?$/.exec(argv[i]);
    if (m !== null) return (WHOLE_MODES as readonly string[]).includes(m[1] ?? argv[i + 1]);
  }
  return false;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

/** Runs one timed task in a fresh child; Ctrl-C and SIGTERM stop it (through `cleanup`). */
function runOnce(task: WholeTask, cleanup: Cleanup): Promise<WholeResult> {
  const child = spawn(process.execPath, ['--expose-gc', path.join(__dirname, 'whole-worker.js'), JSON.stringify(task)], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout!.setEncoding('utf8').on('data', (d: string) => (out += d));
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (err = (err + d).slice(-4000)));
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  const untrack = cleanup.track(() => child.kill('SIGKILL'), exited);
  return exited.then((code) => {
    untrack();
    if (code !== 0) throw new Error(`${task.variant}: ${err.trim() || `exit ${code}`}`);
    return JSON.parse(out.trim().split('\n').pop()!) as WholeResult;
  });
}

/** Runs a whole-file job; returns the exit code. */
export async function benchWhole(argv: readonly string[]): Promise<number> {
  let o: WholeOptions;
  try {
    o = parse(argv);
  } catch (err) {
    if (!(err instanceof WholeUsageError)) throw err;
    process.stderr.write(`linux-aio bench: ${err.message}\nTry 'linux-aio bench --rw readfile --help'.\n`);
    return 2;
  }
  if (o.help) {
    process.stdout.write(WHOLE_USAGE);
    return 0;
  }
  const cleanup = new Cleanup();
  const writing = o.mode === 'writefile' || o.mode === 'stream-write';
  const stem = path.join(os.tmpdir(), `linux-aio-bench-${process.pid}-${crypto.randomBytes(4).toString('hex')}`);
  let file = o.filename ?? `${stem}.dat`;
  const removeTarget = (): void => fs.rmSync(`${stem}.w`, { force: true });
  process.on('exit', removeTarget);
  try {
    if (o.filename === undefined) {
      checkRoom(os.tmpdir(), o.size);
      if (writing) file = `${stem}.w`;
      else {
        process.stderr.write(`creating ${file} (${formatSize(o.size)})\n`);
        await createJobFile({ filename: file, size: o.size } as Job, () => cleanup.ownFile(file));
      }
    } else {
      o.size = fs.statSync(file).size;
    }
    const results = new Map<Variant, WholeResult[]>(o.variants.map((v) => [v, []]));
    for (let round = 1; round <= o.rounds; round++) {
      for (const variant of o.variants) {
        if (writing) {
          removeTarget();
        } else {
          evict(file);
          if (o.cache === 'warm' && variant !== 'aio-direct') await warm(file, o.size);
        }
        const task: WholeTask = { mode: o.mode, variant, file, size: o.size, bs: o.bs, touchBytes: o.touch, readAhead: o.readAhead, writeBehind: o.writeBehind };
        const r = await runOnce(task, cleanup);
        if (r.bytes !== o.size) throw new Error(`${variant}: moved ${r.bytes} bytes, not ${o.size}`);
        results.get(variant)!.push(r);
        process.stderr.write(`round ${round} ${variant}: ${((r.bytes / 2 ** 20) / (r.ms / 1000)).toFixed(0)} MiB/s\n`);
        if (writing) evict(file); // write back what it left dirty, outside every timing
      }
    }
    const mibps = (r: WholeResult): number => r.bytes / 2 ** 20 / (r.ms / 1000);
    const base = results.get('node');
    const rows = o.variants.map((v) => {
      const rs = results.get(v)!;
      const rates = rs.map(mibps);
      const ratios = base === undefined ? [] : rs.map((r, i) => mibps(r) / mibps(base[i]));
      return {
        variant: v,
        mibps: { median: median(rates), min: Math.min(...rates), max: Math.max(...rates) },
        cpuMsPerGiB: median(rs.map((r) => r.cpuMs / (r.bytes / 2 ** 30))),
        ratioToNode: ratios.length ? { median: median(ratios), min: Math.min(...ratios), max: Math.max(...ratios) } : null,
        rounds: rates.map((x) => Math.round(x)),
      };
    });
    const machine = machineInfo(file);
    const job = { mode: o.mode, size: o.size, bs: o.bs, cache: writing ? null : o.cache, rounds: o.rounds, touch: o.touch };
    if (o.json) {
      process.stdout.write(`${JSON.stringify({ job, machine, variants: rows }, null, 2)}\n`);
    } else {
      const what =
        o.mode === 'readfile' ? 'fs.promises.readFile vs readFile' : o.mode === 'writefile' ? 'fs.promises.writeFile vs writeFile' : o.mode === 'stream-read' ? `fs.createReadStream vs createReadStream, highWaterMark ${formatSize(o.bs)}` : `fs.createWriteStream vs createWriteStream, highWaterMark ${formatSize(o.bs)}`;
      let out = `job:     ${o.mode} ${formatSize(o.size)}${writing ? '' : `, ${o.cache} cache`}, ${o.rounds} interleaved rounds, ${formatSize(o.touch)} touched before each run (${what})\n`;
      out += `machine: ${machine.kernel} · ${machine.filesystem} · ${machine.cpus} CPUs (${machine.cpuModel}) · node ${machine.node}\n\n`;
      out += '| variant | MiB/s median | min | max | CPU ms/GiB | vs node (median of rounds) | per round MiB/s |\n|---|---:|---:|---:|---:|---:|---|\n';
      for (const r of rows) {
        out += `| ${r.variant} | ${r.mibps.median.toFixed(0)} | ${r.mibps.min.toFixed(0)} | ${r.mibps.max.toFixed(0)} | ${r.cpuMsPerGiB.toFixed(0)} | ${r.ratioToNode ? `${r.ratioToNode.median.toFixed(2)}× (${r.ratioToNode.min.toFixed(2)}–${r.ratioToNode.max.toFixed(2)})` : '—'} | ${r.rounds.join(', ')} |\n`;
      }
      process.stdout.write(out);
    }
    return 0;
  } finally {
    removeTarget();
    process.off('exit', removeTarget);
    cleanup.dispose();
  }
}
