// The `aio` engine: `iodepth` loops on one AioContext, each with its own buffer,
// awaiting one request at a time. Kept lean: the promise is the only allocation.
import * as fs from 'fs';
import { AioContext } from '../../context';
import { makeBuffers, runLoops, Workload } from '../workload';
import type { EngineRunner, WorkerJob } from './types';

/** Opens the file and a context of depth `iodepth`. */
export function aioEngine(job: WorkerJob, w: Workload): EngineRunner {
  const flags = (w.writeShare > 0 ? fs.constants.O_RDWR : fs.constants.O_RDONLY) | (job.direct ? fs.constants.O_DIRECT : 0);
  const fd = fs.openSync(job.filename, flags);
  const ctx = new AioContext({ depth: job.iodepth });
  const buffers = makeBuffers(job.iodepth, job.bs, w.writeShare > 0, job.buffers === 'plain');

  return {
    async run() {
      await runLoops(w, buffers, (write, buf, pos) => (write ? ctx.write(fd, buf, pos) : ctx.read(fd, buf, pos)));
    },
    timings: () => ctx.timings(),
    async close() {
      await ctx.close();
      fs.closeSync(fd);
    },
  };
}
