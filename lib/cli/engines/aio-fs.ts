// The `aio-fs` engine: `iodepth` loops of AioFileHandle.read/write (linux-aio/fs,
// Node's FileHandle API) on a context of depth `iodepth`, as the `aio` engine
// does with AioContext: what the fs-shaped API costs over the raw one.
import { AioContext } from '../../context';
import { open } from '../../fs/open';
import { bytesMoved, makeBuffers, runLoops, Workload } from '../workload';
import type { EngineRunner, WorkerJob } from './types';

/** Opens the file through linux-aio/fs (direct: true for --direct). */
export async function aioFsEngine(job: WorkerJob, w: Workload): Promise<EngineRunner> {
  const ctx = new AioContext({ depth: job.iodepth });
  const fh = await open(job.filename, w.writeShare > 0 ? 'r+' : 'r', undefined, { context: ctx, direct: job.direct });
  const buffers = makeBuffers(job.iodepth, job.bs, w.writeShare > 0);
  const bs = job.bs;

  return {
    async run() {
      await runLoops(w, buffers, (write, buf, pos) => (write ? fh.write(buf, 0, bs, pos) : fh.read(buf, 0, bs, pos)), bytesMoved);
    },
    async close() {
      await fh.close();
      await ctx.close();
    },
  };
}
