// Messages between the benchmark and the child process that runs one engine.
import type { EngineName } from '../args';
import type { Job } from '../job';
import type { HistogramBins } from '../histogram';
import type { AioTimings } from '../../timings';

/** Engines that run inside a Node child process. */
export type ChildEngine = Exclude<EngineName, 'fio' | 'fio-uring'>;

/** The job as the child receives it: the parent's, less what only the parent uses. */
export interface WorkerJob extends Omit<Job, 'cache' | 'createdFile' | 'rounds'> {
  engine: ChildEngine;
}

/** What one engine measured. Latencies in nanoseconds. */
export interface RawResult {
  ops: number;
  elapsedMs: number;
  /** CPU of the whole process during the run (all threads), µs. */
  cpuUs: number;
  /** Event loop p99 delay, ms; null where there is no event loop (fio). */
  loopDelayP99Ms: number | null;
  latNs: { p50: number; p99: number; p999: number };
  /** The latency distribution for the report's chart. */
  bins: HistogramBins;
  /** Free text shown under the table, e.g. how lio batches. */
  note?: string;
  /** Where requests spent their time (aio, lio): the context's timings(). */
  breakdown?: AioTimings;
}

/** parent → child */
export interface RunMessage {
  type: 'run';
  job: WorkerJob;
}

/** child → parent */
export type WorkerMessage =
  | { type: 'progress'; ops: number; elapsedMs: number }
  | { type: 'result'; result: RawResult }
  | { type: 'error'; message: string };

/** An engine inside the child: set up, run until the workload's deadline, tear down. */
export interface EngineRunner {
  /** Issues requests until `w.deadline`, keeping the job's depth in flight. */
  run(): Promise<void>;
  close(): Promise<void>;
  note?: string;
  /** The context's timings, read before close(). */
  timings?(): AioTimings;
}
