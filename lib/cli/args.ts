// Command-line options of `linux-aio bench`, named as fio names them.
import { formatDuration, formatSize, parseDuration, parseSize } from './units';

/** The I/O patterns, as fio's `--rw`. */
export type RwMode = 'randread' | 'randwrite' | 'read' | 'write' | 'randrw';
/** The engines the benchmark compares. */
export type EngineName = 'aio' | 'lio' | 'fs' | 'fs-pool' | 'fs-uring' | 'fio' | 'fio-uring' | 'aio-fs';
/** Page cache state at the start of each engine's run of a buffered job. */
export type CacheMode = 'cold' | 'warm';
/** Whose memory the requests use: allocAligned (zero copy) or plain ArrayBuffers (copied through scratch). */
export type BufferMode = 'aligned' | 'plain';

/** Every `--rw`. */
export const RW_MODES: readonly RwMode[] = ['randread', 'randwrite', 'read', 'write', 'randrw'];
/** Every engine, in the default order. */
export const ENGINE_NAMES: readonly EngineName[] = ['aio', 'lio', 'fs', 'fs-pool', 'fs-uring', 'fio', 'fio-uring'];
/** Engines run only when --engines names them. */
export const OPTIONAL_ENGINES: readonly EngineName[] = ['aio-fs'];
/** libuv caps UV_THREADPOOL_SIZE at 1024, so fs-pool could not go further. */
export const MAX_IODEPTH = 1024;
/** Most jobs of --numjobs: threads of one process, as many as a large machine has cores. */
export const MAX_NUMJOBS = 256;
/** Most --rounds. */
export const MAX_ROUNDS = 100;

/** Options of one `linux-aio bench` invocation. */
export interface BenchOptions {
  rw: RwMode;
  /** Block size in bytes. */
  bs: number;
  /** Bytes of the file the job covers; `undefined` with `--filename` means the whole file. */
  size: number | undefined;
  iodepth: number;
  /** Jobs run at once, each on its own share of the file (fio's numjobs). */
  numjobs: number;
  runtimeMs: number;
  direct: boolean;
  cache: CacheMode;
  filename: string | undefined;
  allowWrite: boolean;
  engines: EngineName[];
  json: boolean;
  report: string | undefined;
  /** Requests per `lio_listio` list in the lio engine. */
  lioBatch: number | undefined;
  buffers: BufferMode;
  /** Show where requests spent their time (queued, in the kernel, delivered). */
  breakdown: boolean;
  /** Interleaved rounds: each runs every engine once, in turn. */
  rounds: number;
  help: boolean;
}

/** A mistake on the command line: reported with exit code 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/** `--size` of a file the benchmark creates, when not given. */
export const DEFAULT_SIZE = 1024 ** 3;

/** The help text. */
export const USAGE = `usage: linux-aio bench [options]

Runs one fio-style job with each engine in turn, on the same file, and prints a table.
With no options: --rw randread --bs 4k --size 1g --iodepth 32 --runtime 5s --direct,
on a file created in the temporary directory and removed afterwards.

  --rw MODE          randread | randwrite | read | write | randrw (50% reads) [randread]
  --bs SIZE          block size, e.g. 4k, 64k, 1m                             [4k]
  --size SIZE        bytes of the file to cover, e.g. 64m, 1g                 [1g]
  --iodepth N        requests kept in flight, 1..${MAX_IODEPTH}                         [32]
  --numjobs N        N jobs at once, each with its own context (or FileHandle)
                     and iodepth, on its own 1/N of the file; node engines run
                     them as worker threads of one process, fio as its numjobs [1]
  --runtime TIME     how long each engine runs, e.g. 500ms, 5s, 1m            [5s]
  --rounds N         interleaved rounds, each running every engine once in
                     turn; a row is the engine's median round by IOPS, and
                     the table adds each round's IOPS                         [1]
  --direct           O_DIRECT: bypass the page cache                          (default)
  --buffered         through the page cache
  --cache cold|warm  buffered only: evict the file before each engine (cold),
                     or read it into the cache first (warm)                   [cold]
  --filename PATH    use an existing file or block device instead of a new file;
                     it is written only with a writing --rw and --allow-write
  --allow-write      permit writes to --filename
  --engines LIST     comma-separated: aio,lio,fs,fs-pool,fs-uring,fio,fio-uring [all]
  --lio-batch N      requests per lio_listio list (lio engine)                [min(iodepth, 8)]
  --buffers KIND     aligned: allocAligned buffers, which requests use in place;
                     plain: ordinary ArrayBuffers, which aio and lio copy
                     through package memory (shows that copy's cost)         [aligned]
  --breakdown        add p50 / p99 of each stage of a request (aio, lio): queued
                     (call to io_submit), in kernel (to the reap), delivered
                     (reap to settled promise); --json always has them
  --json             print one JSON object on stdout instead of the table
  --report FILE      also write a self-contained HTML report
  -h, --help         this text

Engines: aio = AioContext; lio = lio_listio(LIO_WAIT) lists; fs = fs.promises FileHandle
(libuv's default 4 threads); fs-pool = the same with UV_THREADPOOL_SIZE = iodepth; fs-uring = the same
with UV_USE_IO_URING=1 (libuv's io_uring path, off by default); fio / fio-uring = fio's
libaio / io_uring engine (the C reference), when fio is on PATH. Also, when named in --engines:
aio-fs = AioFileHandle.read/write of linux-aio/fs. Whole-file jobs: linux-aio bench --rw readfile --help.
`;

const VALUE_OPTIONS = new Set([
  'rw',
  'bs',
  'size',
  'iodepth',
  'numjobs',
  'runtime',
  'cache',
  'filename',
  'engines',
  'report',
  'lio-batch',
  'buffers',
  'rounds',
]);
// Flags that may also be written fio-style with a value: --direct=1, --buffered=0.
const FLAG_OPTIONS = new Set(['direct', 'buffered', 'allow-write', 'json', 'breakdown', 'help']);

function flagValue(name: string, value: string | undefined): boolean {
  if (value === undefined || value === '1' || value === 'true') return true;
  if (value === '0' || value === 'false') return false;
  throw new UsageError(`--${name} takes no value, or 0/1 (got '${value}')`);
}

function intOption(name: string, text: string, min: number, max: number): number {
  const n = /^\d+$/.test(text) ? Number(text) : NaN;
  if (!Number.isSafeInteger(n) || n < min || n > max) {
    throw new UsageError(`--${name} must be an integer from ${min} to ${max} (got '${text}')`);
  }
  return n;
}

function sizeOption(name: string, text: string): number {
  const n = parseSize(text);
  if (n === undefined || n <= 0) throw new UsageError(`--${name} must be a size such as 4k, 64m or 1g (got '${text}')`);
  return n;
}

/**
 * Parses the arguments after `bench`.
 * @throws UsageError for an unknown option or a bad value.
 */
export function parseBenchArgs(argv: readonly string[]): BenchOptions {
  const o: BenchOptions = {
    rw: 'randread',
    bs: 4096,
    size: undefined,
    iodepth: 32,
    numjobs: 1,
    runtimeMs: 5000,
    direct: true,
    cache: 'cold',
    filename: undefined,
    allowWrite: false,
    engines: [...ENGINE_NAMES],
    json: false,
    report: undefined,
    lioBatch: undefined,
    buffers: 'aligned',
    breakdown: false,
    rounds: 1,
    help: false,
  };
  let cacheGiven = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '-h' || arg === '--help') {
      o.help = true;
      continue;
    }
    const m = /^--([a-z-]+)(?:=(.*))?$/s.exec(arg);
    if (m === null || (!VALUE_OPTIONS.has(m[1]) && !FLAG_OPTIONS.has(m[1]))) {
      throw new UsageError(arg.startsWith('-') ? `unknown option '${arg}'` : `unexpected argument '${arg}'`);
    }
    const name = m[1];
    let value = m[2];
    if (FLAG_OPTIONS.has(name)) {
      const on = flagValue(name, value);
      if (name === 'direct') o.direct = on;
      else if (name === 'buffered') o.direct = !on;
      else if (name === 'allow-write') o.allowWrite = on;
      else if (name === 'json') o.json = on;
      else if (name === 'breakdown') o.breakdown = on;
      else o.help = on;
      continue;
    }
    if (value === undefined) {
      if (i + 1 >= argv.length) throw new UsageError(`--${name} needs a value`);
      value = argv[++i];
    }
    switch (name) {
      case 'rw':
        if (!(RW_MODES as readonly string[]).includes(value)) {
          throw new UsageError(`--rw must be one of ${RW_MODES.join(', ')} (got '${value}')`);
        }
        o.rw = value as RwMode;
        break;
      case 'bs':
        o.bs = sizeOption(name, value);
        if (o.bs % 512 !== 0) throw new UsageError(`--bs must be a multiple of 512 bytes (got ${value})`);
        break;
      case 'size':
        o.size = sizeOption(name, value);
        break;
      case 'iodepth':
        o.iodepth = intOption(name, value, 1, MAX_IODEPTH);
        break;
      case 'numjobs':
        o.numjobs = intOption(name, value, 1, MAX_NUMJOBS);
        break;
      case 'rounds':
        o.rounds = intOption(name, value, 1, MAX_ROUNDS);
        break;
      case 'lio-batch':
        o.lioBatch = intOption(name, value, 1, MAX_IODEPTH);
        break;
      case 'buffers':
        if (value !== 'aligned' && value !== 'plain') throw new UsageError(`--buffers must be aligned or plain (got '${value}')`);
        o.buffers = value;
        break;
      case 'runtime': {
        const ms = parseDuration(value);
        if (ms === undefined || ms <= 0) throw new UsageError(`--runtime must be a duration such as 500ms, 5s or 1m (got '${value}')`);
        o.runtimeMs = ms;
        break;
      }
      case 'cache':
        if (value !== 'cold' && value !== 'warm') throw new UsageError(`--cache must be cold or warm (got '${value}')`);
        o.cache = value;
        cacheGiven = true;
        break;
      case 'filename':
        if (value === '') throw new UsageError('--filename needs a path');
        o.filename = value;
        break;
      case 'report':
        if (value === '') throw new UsageError('--report needs a file name');
        o.report = value;
        break;
      case 'engines': {
        const list = value.split(',').map((s) => s.trim()).filter((s) => s !== '');
        const bad = list.filter((e) => !([...ENGINE_NAMES, ...OPTIONAL_ENGINES] as readonly string[]).includes(e));
        if (bad.length > 0 || list.length === 0) {
          throw new UsageError(`--engines takes a list of ${[...ENGINE_NAMES, ...OPTIONAL_ENGINES].join(', ')} (got '${value}')`);
        }
        o.engines = [...new Set(list as EngineName[])];
        break;
      }
    }
  }
  if (cacheGiven && o.direct) throw new UsageError('--cache applies to --buffered jobs only (O_DIRECT bypasses the page cache)');
  if (o.size !== undefined && o.size < o.bs * o.numjobs) {
    const each = o.numjobs > 1 ? ` times --numjobs (${o.numjobs})` : '';
    throw new UsageError(`--size (${formatSize(o.size)}) must be at least --bs (${formatSize(o.bs)})${each}`);
  }
  return o;
}

/** One line describing the job, e.g. `randread bs=4KiB size=1GiB iodepth=32 runtime=5s direct`. */
export function describeJob(o: { rw: RwMode; bs: number; size: number; iodepth: number; numjobs: number; runtimeMs: number; direct: boolean; cache: CacheMode; rounds: number }): string {
  const io = o.direct ? 'direct' : `buffered, ${o.cache} cache`;
  const jobs = o.numjobs > 1 ? ` numjobs=${o.numjobs}` : '';
  const rounds = o.rounds > 1 ? `, ${o.rounds} interleaved rounds (each row: the engine's median round)` : '';
  return `${o.rw} bs=${formatSize(o.bs)} size=${formatSize(o.size)} iodepth=${o.iodepth}${jobs} runtime=${formatDuration(o.runtimeMs)} ${io}${rounds}`;
}

/** Whether the pattern writes. */
export function writes(rw: RwMode): boolean {
  return rw !== 'randread' && rw !== 'read';
}
