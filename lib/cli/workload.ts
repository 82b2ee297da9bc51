// What each request does (where, read or write) and what it cost, shared by the
// in-process engines so that they differ only in how they issue the I/O.
import { allocAligned } from '../align';
import { binding } from '../native';
import { randomFillSync } from 'crypto';
import { performance } from 'perf_hooks';
import { LatencyHistogram } from './histogram';
import { regionSize } from './job';
import type { WorkerJob } from './engines/types';

/** The per-request state of one run (one job of --numjobs): positions, mix, counters, latencies. */
export class Workload {
  readonly bs: number;
  readonly blocks: number;
  /** Where this job's share of the file starts. */
  readonly offset: number;
  readonly random: boolean;
  /** Share of writes: 0, 1, or 0.5 for randrw. */
  readonly writeShare: number;
  /** performance.now() after which no new request starts. */
  deadline = 0;
  ops = 0;
  readonly hist = new LatencyHistogram();
  #cursor = 0;

  /** `index`: which of the job's --numjobs shares of the file this one covers. */
  constructor(job: WorkerJob, index = 0) {
    this.bs = job.bs;
    const size = regionSize(job);
    this.blocks = size / job.bs;
    this.offset = index * size;
    this.random = job.rw.startsWith('rand');
    this.writeShare = job.rw === 'randrw' ? 0.5 : job.rw === 'write' || job.rw === 'randwrite' ? 1 : 0;
  }

  /** The next request's file position: uniform random (with replacement, as fio's norandommap), or sequential wrapping at the end. */
  nextPosition(): number {
    if (this.random) return this.offset + Math.floor(Math.random() * this.blocks) * this.bs;
    const pos = this.#cursor;
    this.#cursor = pos + 1 === this.blocks ? 0 : pos + 1;
    return this.offset + pos * this.bs;
  }

  /** Whether the next request writes. */
  nextIsWrite(): boolean {
    const s = this.writeShare;
    return s === 0 ? false : s === 1 ? true : Math.random() < s;
  }
}

/**
 * One 4096-aligned buffer per request in flight, as every engine uses: from
 * allocAligned (package memory, used in place), or with `plain`, inside an
 * ordinary ArrayBuffer (which aio and lio copy through package memory). Written
 * data is random so that no layer can shortcut zeroes.
 */
export function makeBuffers(count: number, bs: number, filled: boolean, plain = false): Buffer[] {
  const out: Buffer[] = [];
  for (let i = 0; i < count; i++) {
    const b = plain ? plainAligned(bs) : allocAligned(bs, 4096);
    if (filled) randomFillSync(b);
    out.push(b);
  }
  return out;
}

function plainAligned(bs: number): Buffer {
  const ab = new ArrayBuffer(bs + 4096);
  return Buffer.from(ab, binding.alignOffset(ab, 4096), bs);
}

/** The bytes a FileHandle read or write moved, from what it resolved to. */
export function bytesMoved(r: { bytesRead: number } | { bytesWritten: number }): number {
  return 'bytesRead' in r ? r.bytesRead : r.bytesWritten;
}

/** The error for a transfer that moved fewer bytes than asked. */
export function shortTransfer(write: boolean, n: number, bs: number, pos: number): Error {
  return new Error(`short ${write ? 'write' : 'read'}: ${n} of ${bs} bytes at position ${pos}`);
}

/**
 * Runs one loop per buffer until the deadline: each issues a request with `io`
 * (a read or a write, as the workload says), waits for it, and records its
 * latency. Shared by the engines that keep `iodepth` requests in flight this way.
 * `bytesOf` reads the bytes moved out of what the call resolved to (for
 * FileHandle's `{ bytesRead }`), as a caller's own `await` would: no extra
 * async layer that one engine pays and another does not.
 */
export async function runLoops<T = number>(
  w: Workload,
  buffers: Buffer[],
  io: (write: boolean, buf: Buffer, pos: number) => Promise<T>,
  bytesOf: (result: T) => number = (r) => r as unknown as number,
): Promise<void> {
  const bs = buffers.length > 0 ? buffers[0].length : 0;
  async function loop(buf: Buffer): Promise<void> {
    const hist = w.hist;
    for (;;) {
      const pos = w.nextPosition();
      const write = w.nextIsWrite();
      const t0 = performance.now();
      const n = bytesOf(await io(write, buf, pos));
      const t1 = performance.now();
      if (n !== bs) throw shortTransfer(write, n, bs, pos);
      hist.record((t1 - t0) * 1e6);
      w.ops++;
      if (t1 >= w.deadline) return;
    }
  }
  await Promise.all(buffers.map(loop));
}
