// Child process entry: runs one engine on the job the parent sends over IPC,
// reports progress and the result, and exits. A process of its own per engine
// gives each a clean heap, its own CPU account and its own libuv thread pool.
// The package entry first: its platform check must run before anything loads the binary.
import '../index';
import { IntervalHistogram, monitorEventLoopDelay, performance } from 'perf_hooks';
import { aioEngine } from './engines/aio';
import { aioFsEngine } from './engines/aio-fs';
import { fsEngine } from './engines/fs';
import { lioEngine } from './engines/lio';
import type { EngineRunner, RawResult, RunMessage, WorkerJob, WorkerMessage } from './engines/types';
import { Workload } from './workload';

const PROGRESS_EVERY_MS = 200;
const LOOP_RESOLUTION_MS = 1;

/**
 * The p99 delay in ms. Node 20's histogram records each whole timer interval
 * (an idle loop shows p50 = resolution + 0.1 ms), so the interval is taken
 * off whenever even the smallest sample includes it.
 */
function loopDelayP99(h: IntervalHistogram): number {
  if (h.count === 0) return 0;
  const interval = LOOP_RESOLUTION_MS * 1e6;
  const offset = h.min >= interval * 0.95 ? interval : 0;
  return Math.max(0, h.percentile(99) - offset) / 1e6;
}

function send(msg: WorkerMessage, then?: () => void): void {
  if (process.send === undefined) throw new Error('the bench worker must be started by linux-aio bench (it talks over IPC)');
  process.send(msg, undefined, {}, then);
}

async function open(job: WorkerJob, w: Workload): Promise<EngineRunner> {
  switch (job.engine) {
    case 'aio':
      return aioEngine(job, w);
    case 'aio-fs':
      return aioFsEngine(job, w);
    case 'lio':
      return lioEngine(job, w);
    case 'fs':
    case 'fs-pool':
    case 'fs-uring':
      return fsEngine(job, w);
  }
}

/** Runs the job with its engine; resolves to what it measured. */
export async function runJob(job: WorkerJob): Promise<RawResult> {
  const w = new Workload(job);
  const engine = await open(job, w);
  let runError: unknown;
  // Resolution 1 ms: enough samples for a p99 over runs well under a second.
  const loop = monitorEventLoopDelay({ resolution: LOOP_RESOLUTION_MS });
  const start = performance.now();
  const timer = setInterval(() => send({ type: 'progress', ops: w.ops, elapsedMs: performance.now() - start }), PROGRESS_EVERY_MS);
  const cpu0 = process.cpuUsage();
  loop.enable();
  w.deadline = start + job.runtimeMs;
  try {
    await engine.run();
  } catch (err) {
    runError = err;
  }
  const elapsedMs = performance.now() - start;
  const cpu = process.cpuUsage(cpu0);
  loop.disable();
  clearInterval(timer);
  const breakdown = engine.timings?.();
  await engine.close();
  if (runError !== undefined) throw runError;
  const h = w.hist;
  return {
    ops: w.ops,
    elapsedMs,
    cpuUs: cpu.user + cpu.system,
    loopDelayP99Ms: loopDelayP99(loop),
    latNs: { p50: h.percentile(50), p99: h.percentile(99), p999: h.percentile(99.9) },
    bins: h.bins(),
    note: engine.note,
    ...(breakdown !== undefined ? { breakdown } : {}),
  };
}

if (require.main === module) {
  // The parent went away (killed, Ctrl-C): stop at once.
  process.on('disconnect', () => process.exit(1));
  process.once('message', (msg: RunMessage) => {
    runJob(msg.job).then(
      (result) => send({ type: 'result', result }, () => process.exit(0)),
      (err: unknown) => send({ type: 'error', message: errorText(err) }, () => process.exit(0)),
    );
  });
}

// Node's system errors carry the code in the message already; others may not.
function errorText(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  const code = (err as NodeJS.ErrnoException).code;
  return code !== undefined && !err.message.includes(code) ? `${code}: ${err.message}` : err.message;
}
