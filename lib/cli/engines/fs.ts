// The `fs` and `fs-pool` engines: fs.promises FileHandle reads/writes, `iodepth`
// loops as in `aio`. They differ only in UV_THREADPOOL_SIZE, which the parent sets
// in the child's environment (libuv reads it once, when its pool starts).
import * as fs from 'fs';
import { bytesMoved, makeBuffers, runLoops, Workload } from '../workload';
import type { EngineRunner, WorkerJob } from './types';

/** Opens the file as a FileHandle (with O_DIRECT for --direct: same buffers, same alignment). */
export async function fsEngine(job: WorkerJob, w: Workload): Promise<EngineRunner> {
  const flags = (w.writeShare > 0 ? fs.constants.O_RDWR : fs.constants.O_RDONLY) | (job.direct ? fs.constants.O_DIRECT : 0);
  const fh = await fs.promises.open(job.filename, flags);
  const buffers = makeBuffers(job.iodepth, job.bs, w.writeShare > 0, job.buffers === 'plain');
  const bs = job.bs;

  return {
    async run() {
      await runLoops(w, buffers, (write, buf, pos) => (write ? fh.write(buf, 0, bs, pos) : fh.read(buf, 0, bs, pos)), bytesMoved);
    },
    async close() {
      await fh.close();
    },
    note: job.engine === 'fs-pool' ? `UV_THREADPOOL_SIZE=${process.env.UV_THREADPOOL_SIZE ?? '4'}` : job.engine === 'fs-uring' ? 'UV_USE_IO_URING=1' : undefined,
  };
}
