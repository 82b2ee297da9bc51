// The `lio` engine: the POSIX layer's lio_listio(LIO_WAIT, list). The depth is
// split into lists of `lioBatch` requests (the last one takes the remainder),
// each list resubmitted as soon as all of its requests are done, so up to
// `iodepth` requests are in flight. A request's latency is its list's: that is
// when a LIO_WAIT caller sees it complete.
import * as fs from 'fs';
import { performance } from 'perf_hooks';
import * as api from '../../posix';
import { sharedEngine } from '../../posix/shared';
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

/** Opens the file and prepares one aiocb per request in flight. */
export function lioEngine(job: WorkerJob, w: Workload): EngineRunner {
  // The shared context's depth (default 128) must hold the whole job's depth.
  api.aio_init({ aio_num: Math.max(job.iodepth, 1) });
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
        throw listError(list, err);
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
    timings: () => sharedEngine().timings(),
    async close() {
      fs.closeSync(fd);
    },
    note: `${lists.length} list${lists.length === 1 ? '' : 's'} of ≤${job.lioBatch} in flight`,
  };
}

// lio_listio says only that some entry failed (EIO): name the first one that did.
function listError(list: Aiocb[], err: unknown): unknown {
  for (const cb of list) {
    const e = api.aio_error(cb);
    if (e !== 0) {
      return new Error(`lio_listio: request at position ${cb.aio_offset} failed with errno ${e} (${(err as Error).message})`);
    }
  }
  return err;
}
