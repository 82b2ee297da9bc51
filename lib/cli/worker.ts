// Child process entry: runs one engine on the job the parent sends over IPC,
// reports progress and the result, and exits. A process of its own per engine
// gives each a clean heap, its own CPU account and its own libuv thread pool.
// The package entry first: its platform check must run before anything loads the binary.
import '../index';
import { IntervalHistogram, monitorEventLoopDelay, performance } from 'perf_hooks';
import { isMainThread, MessagePort, parentPort, Worker, workerData } from 'worker_threads';
import type { AioTimings } from '../timings';
import { LatencyHistogram } from './histogram';
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

/** What one job (one thread of --numjobs) measured. */
interface JobResult {
  ops: number;
  elapsedMs: number;
  loopDelayP99Ms: number;
  hist: Pick<LatencyHistogram, 'counts' | 'count' | 'max'>;
  note?: string;
  breakdown?: AioTimings;
}

/**
 * Runs job `index` of the run in this thread: opens its engine, waits for `go`
 * (all jobs start together), runs until the deadline, closes. `onProgress` is
 * called with its request count while it runs.
 */
async function runOneJob(job: WorkerJob, index: number, go: () => Promise<void>, onProgress: (ops: number) => void): Promise<JobResult> {
  const w = new Workload(job, index);
  const engine = await open(job, w);
  await go();
  let runError: unknown;
  // Resolution 1 ms: enough samples for a p99 over runs well under a second.
  const loop = monitorEventLoopDelay({ resolution: LOOP_RESOLUTION_MS });
  const timer = setInterval(() => onProgress(w.ops), PROGRESS_EVERY_MS);
  const start = performance.now();
  loop.enable();
  w.deadline = start + job.runtimeMs;
  try {
    await engine.run();
  } catch (err) {
    runError = err;
  }
  const elapsedMs = performance.now() - start;
  loop.disable();
  clearInterval(timer);
  const breakdown = engine.timings?.();
  await engine.close();
  if (runError !== undefined) throw runError;
  const { counts, count, max } = w.hist;
  return { ops: w.ops, elapsedMs, loopDelayP99Ms: loopDelayP99(loop), hist: { counts, count, max }, note: engine.note, ...(breakdown !== undefined ? { breakdown } : {}) };
}

/** Messages of a --numjobs worker thread to the process's main thread. */
type ThreadMessage = { type: 'ready' } | { type: 'progress'; ops: number } | { type: 'result'; result: JobResult } | { type: 'error'; error: unknown };

/**
 * Runs the --numjobs jobs as worker threads of this process, each with its own
 * engine (context, FileHandle) and share of the file, started together once
 * all are open. The process's CPU time covers them all.
 */
async function runThreads(job: WorkerJob, onProgress: (ops: number, elapsedMs: number) => void): Promise<{ results: JobResult[]; cpuUs: number }> {
  const ops = new Array<number>(job.numjobs).fill(0);
  const ready: Promise<void>[] = [];
  const done: Promise<JobResult>[] = [];
  const threads: Worker[] = [];
  let start = 0;
  for (let index = 0; index < job.numjobs; index++) {
    const t = new Worker(__filename, { workerData: { job, index } });
    threads.push(t);
    let onReady!: () => void;
    ready.push(new Promise((resolve) => (onReady = resolve)));
    done.push(
      new Promise((resolve, reject) => {
        t.on('message', (m: ThreadMessage) => {
          if (m.type === 'ready') onReady();
          else if (m.type === 'progress') {
            ops[index] = m.ops;
            onProgress(ops.reduce((a, b) => a + b, 0), performance.now() - start);
          } else if (m.type === 'result') resolve(m.result);
          else reject(m.error);
        });
        t.on('error', reject);
        t.on('exit', (code) => reject(new Error(`job ${index + 1} of --numjobs exited with code ${code} before its result`)));
      }),
    );
  }
  try {
    // A job that fails to open fails the run before any starts.
    await Promise.race([Promise.all(ready), Promise.all(done)]);
    const cpu0 = process.cpuUsage();
    start = performance.now();
    for (const t of threads) t.postMessage('go');
    const results = await Promise.all(done);
    const cpu = process.cpuUsage(cpu0);
    return { results, cpuUs: cpu.user + cpu.system };
  } finally {
    await Promise.all(threads.map((t) => t.terminate()));
  }
}

/** Runs the job with its engine (--numjobs of them at once); resolves to what it measured. */
export async function runJob(job: WorkerJob): Promise<RawResult> {
  let results: JobResult[];
  let cpuUs: number;
  if (job.numjobs === 1) {
    let cpu0 = process.cpuUsage();
    let start = 0;
    const go = async (): Promise<void> => {
      cpu0 = process.cpuUsage();
      start = performance.now();
    };
    const one = await runOneJob(job, 0, go, (ops) => send({ type: 'progress', ops, elapsedMs: performance.now() - start }));
    const cpu = process.cpuUsage(cpu0);
    results = [one];
    cpuUs = cpu.user + cpu.system;
  } else {
    ({ results, cpuUs } = await runThreads(job, (ops, elapsedMs) => send({ type: 'progress', ops, elapsedMs })));
  }
  const h = new LatencyHistogram();
  for (const r of results) h.add(r.hist);
  const first = results[0];
  return {
    ops: results.reduce((a, r) => a + r.ops, 0),
    elapsedMs: Math.max(...results.map((r) => r.elapsedMs)),
    cpuUs,
    loopDelayP99Ms: Math.max(...results.map((r) => r.loopDelayP99Ms)),
    latNs: { p50: h.percentile(50), p99: h.percentile(99), p999: h.percentile(99.9) },
    bins: h.bins(),
    note: first.note,
    // With --numjobs, the first job's: each job has a context of its own.
    ...(first.breakdown !== undefined ? { breakdown: first.breakdown } : {}),
  };
}

/** A --numjobs job in a worker thread: opens, says ready, waits for go, runs, reports. */
function threadMain(port: MessagePort, data: { job: WorkerJob; index: number }): void {
  const post = (m: ThreadMessage): void => port.postMessage(m);
  const go = (): Promise<void> =>
    new Promise((resolve) => {
      port.once('message', () => resolve());
      post({ type: 'ready' });
    });
  runOneJob(data.job, data.index, go, (ops) => post({ type: 'progress', ops })).then(
    (result) => post({ type: 'result', result }),
    (err: unknown) => post({ type: 'error', error: err instanceof Error ? new Error(errorText(err)) : err }),
  );
}

if (!isMainThread) threadMain(parentPort!, workerData as { job: WorkerJob; index: number });

if (isMainThread && require.main === module) {
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
