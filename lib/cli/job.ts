// The job every engine runs, and the file it runs on: found or created, checked
// for room and permission, and removed again if (and only if) we created it.
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { BenchOptions, BufferMode, CacheMode, DEFAULT_SIZE, RwMode, writes } from './args';
import { formatSize } from './units';

/** The job as every engine runs it. */
export interface Job {
  rw: RwMode;
  bs: number;
  /** Bytes of the file covered: a multiple of `bs`. */
  size: number;
  iodepth: number;
  /** Jobs at once (fio's numjobs): job i covers [i * size / numjobs, (i + 1) * size / numjobs). */
  numjobs: number;
  runtimeMs: number;
  direct: boolean;
  cache: CacheMode;
  filename: string;
  /** True when the benchmark created the file (and so may write it and will remove it). */
  createdFile: boolean;
  lioBatch: number;
  buffers: BufferMode;
  /** Interleaved rounds of every engine. */
  rounds: number;
}

/** A refusal before anything runs: a clear message, exit code 1. */
export class RefusalError extends Error {
  override readonly name = 'RefusalError';
}

// Headroom beyond --size, so the benchmark never fills a filesystem to the brim.
const ROOM_MARGIN = 64 * 1024 * 1024;
const FILL_CHUNK = 4 * 1024 * 1024;

/** Size in bytes of a block device, from sysfs (stat reports 0 for devices). */
function blockDeviceSize(st: fs.Stats): number {
  const major = Math.floor(st.rdev / 256) & 0xfff;
  const minor = (st.rdev & 0xff) | ((Math.floor(st.rdev / 0x100000) & 0xfff) << 8);
  const sectors = Number(fs.readFileSync(`/sys/dev/block/${major}:${minor}/size`, 'utf8').trim());
  return sectors * 512;
}

/**
 * Throws a RefusalError unless the filesystem holding `dir` has room for
 * `size` bytes (plus a margin).
 */
export function checkRoom(dir: string, size: number): void {
  const st = fs.statfsSync(dir);
  const free = st.bavail * st.bsize;
  if (free < size + ROOM_MARGIN) {
    throw new RefusalError(
      `not enough room in ${dir} for --size ${formatSize(size)}: ${formatSize(free)} available ` +
        `(the file needs ${formatSize(size)} plus ${formatSize(ROOM_MARGIN)} headroom). ` +
        'Use a smaller --size, or --filename on a filesystem with more room.',
    );
  }
}

/** Where the job will run, before the file exists. */
export interface JobPlan {
  job: Job;
  /** True when the file must still be created (and filled) by `createJobFile`. */
  create: boolean;
}

/**
 * Resolves the options into a job: checks an existing `--filename` (its size, and
 * that it is written only when allowed) or picks a new file's name and checks room.
 * @throws RefusalError when the job cannot run safely.
 */
export function planJob(o: BenchOptions): JobPlan {
  const lioBatch = Math.min(o.lioBatch ?? 8, o.iodepth);
  const base = { rw: o.rw, bs: o.bs, iodepth: o.iodepth, numjobs: o.numjobs, runtimeMs: o.runtimeMs, direct: o.direct, cache: o.cache, lioBatch, buffers: o.buffers, rounds: o.rounds };
  let filename: string;
  let st: fs.Stats | undefined;
  if (o.filename !== undefined) {
    filename = path.resolve(o.filename);
    try {
      st = fs.statSync(filename);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw new RefusalError(`cannot use --filename ${filename}: ${(err as Error).message}`);
    }
  } else {
    filename = path.join(os.tmpdir(), `linux-aio-bench-${process.pid}-${crypto.randomBytes(4).toString('hex')}.dat`);
  }
  if (st === undefined) {
    // A new file: ours to write and to remove.
    const size = roundDown(o.size ?? DEFAULT_SIZE, o.bs);
    const dir = path.dirname(filename);
    if (!fs.existsSync(dir)) throw new RefusalError(`cannot create ${filename}: directory ${dir} does not exist`);
    checkRoom(dir, size);
    return { job: { ...base, size, filename, createdFile: true }, create: true };
  }
  if (!st.isFile() && !st.isBlockDevice()) {
    throw new RefusalError(`--filename ${filename} is neither a regular file nor a block device`);
  }
  if (writes(o.rw) && !o.allowWrite) {
    throw new RefusalError(
      `refusing to write to ${filename}: --rw ${o.rw} writes, and this is an existing ${st.isFile() ? 'file' : 'block device'} ` +
        'that linux-aio bench did not create. Add --allow-write to let it overwrite the data, or use a reading --rw.',
    );
  }
  const available = st.isBlockDevice() ? blockDeviceSize(st) : st.size;
  if (o.size !== undefined && o.size > available) {
    throw new RefusalError(`--size ${formatSize(o.size)} is larger than ${filename} (${formatSize(available)})`);
  }
  const size = roundDown(o.size ?? available, o.bs);
  if (size < o.bs) throw new RefusalError(`${filename} is smaller than one block (--bs ${formatSize(o.bs)})`);
  if (size < o.bs * o.numjobs) throw new RefusalError(`${filename} is smaller than one block (--bs ${formatSize(o.bs)}) per job (--numjobs ${o.numjobs})`);
  return { job: { ...base, size, filename, createdFile: false }, create: false };
}

/** Bytes of the file each job covers: a multiple of bs. */
export function regionSize(job: Pick<Job, 'size' | 'bs' | 'numjobs'>): number {
  return roundDown(job.size / job.numjobs, job.bs);
}

function roundDown(n: number, unit: number): number {
  return Math.floor(n / unit) * unit;
}

/**
 * Creates the job's file exclusively and writes every byte (dense, not sparse:
 * reads must reach the disk), with incompressible data, then flushes it.
 * Asynchronous, so that Ctrl-C is handled while a large file is being written.
 */
export async function createJobFile(job: Job, onCreated: () => void, onProgress?: (done: number) => void): Promise<void> {
  const fh = await fs.promises.open(job.filename, 'wx', 0o600);
  onCreated(); // only now is the file ours to remove
  try {
    const chunk = crypto.randomBytes(Math.min(FILL_CHUNK, job.size));
    for (let pos = 0; pos < job.size; pos += chunk.length) {
      // Stamp each 4 KiB with its position so no two blocks are alike (dedup, compression).
      for (let b = 0; b + 8 <= chunk.length; b += 4096) chunk.writeDoubleLE(pos + b, b);
      const len = Math.min(chunk.length, job.size - pos);
      let done = 0;
      while (done < len) done += (await fh.write(chunk, done, len - done, pos + done)).bytesWritten;
      onProgress?.(pos + len);
    }
    await fh.datasync();
  } finally {
    await fh.close();
  }
}

/**
 * Throws a RefusalError when the file cannot be opened with O_DIRECT (tmpfs, some
 * FUSE and network filesystems), rather than letting every engine fail with EINVAL.
 */
export function checkDirect(job: Job): void {
  if (!job.direct) return;
  try {
    fs.closeSync(fs.openSync(job.filename, fs.constants.O_RDONLY | fs.constants.O_DIRECT));
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code !== 'EINVAL' && code !== 'EOPNOTSUPP') throw new RefusalError(`cannot open ${job.filename}: ${(err as Error).message.split(',')[0]}`);
    throw new RefusalError(`${job.filename} cannot be opened with O_DIRECT (${code}; tmpfs, for one, has no O_DIRECT): use --buffered, or --filename on another filesystem`);
  }
}
