// The `lio` engine: the POSIX layer's lio_listio(LIO_WAIT, list). The depth is
// split into lists of `lioBatch` requests (the last one takes the remainder),
// each list resubmitted as soon as all of its requests are done, so up to
// `iodepth` requests are in flight. A request's latency is its list's: that is
// when a LIO_WAIT caller sees it complete.
import * as fs from 'fs';
import { performance } from 'perf_hooks';
import * as root from '../../index';
import { makeBuffers, shortTransfer, Workload } from '../workload';
import type { EngineRunner, WorkerJob } from './types';

/** The POSIX aiocb fields this engine sets. */
interface Aiocb {
  aio_fildes: number;
  aio_offset: number;
  aio_buf: Buffer;
  aio_nbytes: number;
  aio_lio_opcode: number;
}

/** The part of the POSIX layer this engine uses. */
interface PosixApi {
  lio_listio(mode: number, list: Aiocb[]): Promise<void>;
  aio_return(cb: Aiocb): number;
  aio_error?(cb: Aiocb): number;
  LIO_READ: number;
  LIO_WRITE: number;
  LIO_WAIT: number;
  aio_init?(init: { aio_num?: number }): void;
}

/**
 * The package's POSIX layer, or why it cannot be used. Looked up at run time:
 * the layer is optional for this engine, which says so in its row when absent.
 */
export function posixApi(): PosixApi | string {
  const m = root as unknown as Record<string, unknown>;
  const missing = ['lio_listio', 'aio_return'].filter((k) => typeof m[k] !== 'function');
  missing.push(...['LIO_READ', 'LIO_WRITE', 'LIO_WAIT'].filter((k) => typeof m[k] !== 'number'));
  if (missing.length > 0) return `this build of linux-aio has no POSIX layer yet (missing ${missing.join(', ')})`;
  return m as unknown as PosixApi;
}

/** Opens the file and prepares one aiocb per request in flight. */
export function lioEngine(job: WorkerJob, w: Workload): EngineRunner {
  const found = posixApi();
  if (typeof found === 'string') throw new Error(found);
  const api: PosixApi = found; // narrowed, for the closures below
  // The shared context's depth (default 128) must hold the whole job's depth.
  api.aio_init?.({ aio_num: Math.max(job.iodepth, 1) });
  const flags = (w.writeShare > 0 ? fs.constants.O_RDWR : fs.constants.O_RDONLY) | (job.direct ? fs.constants.O_DIRECT : 0);
  const fd = fs.openSync(job.filename, flags);
  const buffers = makeBuffers(job.iodepth, job.bs, w.writeShare > 0, job.buffers === 'plain');
  const bs = job.bs;
  const lists: Aiocb[][] = [];
  for (let i = 0; i < job.iodepth; i += job.lioBatch) {
    lists.push(
      buffers.slice(i, i + job.lioBatch).map((buf) => ({ aio_fildes: fd, aio_offset: 0, aio_buf: buf, aio_nbytes: bs, aio_lio_opcode: api.LIO_READ })),
    );
  }

  async function loop(list: Aiocb[]): Promise<void> {
    const hist = w.hist;
    for (;;) {
      for (const cb of list) {
        cb.aio_offset = w.nextPosition();
        cb.aio_lio_opcode = w.nextIsWrite() ? api.LIO_WRITE : api.LIO_READ;
      }
      const t0 = performance.now();
      try {
        await api.lio_listio(api.LIO_WAIT, list);
      } catch (err) {
        throw listError(api, list, err);
      }
      const ns = (performance.now() - t0) * 1e6;
      for (const cb of list) {
        const n = api.aio_return(cb);
        if (n !== bs) throw shortTransfer(cb.aio_lio_opcode === api.LIO_WRITE, n, bs, cb.aio_offset);
        hist.record(ns);
      }
      w.ops += list.length;
      if (t0 + ns / 1e6 >= w.deadline) return;
    }
  }

  return {
    async run() {
      await Promise.all(lists.map(loop));
    },
    async close() {
      fs.closeSync(fd);
    },
    note: `${lists.length} list${lists.length === 1 ? '' : 's'} of ≤${job.lioBatch} in flight`,
  };
}

// lio_listio says only that some entry failed (EIO): name the first one that did.
function listError(api: PosixApi, list: Aiocb[], err: unknown): unknown {
  if (api.aio_error === undefined) return err;
  for (const cb of list) {
    const e = api.aio_error(cb);
    if (e !== 0) {
      return new Error(`lio_listio: request at position ${cb.aio_offset} failed with errno ${e} (${(err as Error).message})`);
    }
  }
  return err;
}
