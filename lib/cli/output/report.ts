// The whole run's results, as --json prints them and the table and HTML show them.
import { describeJob } from '../args';
import type { Job } from '../job';
import type { MachineInfo } from '../machine';
import type { EngineRow } from '../results';

/** The job, as recorded with its results. */
export interface JobSummary {
  rw: Job['rw'];
  bs: number;
  size: number;
  iodepth: number;
  numjobs: number;
  runtimeMs: number;
  direct: boolean;
  /** Page cache at the start of each engine: null for O_DIRECT jobs. */
  cache: Job['cache'] | null;
  filename: string;
  createdFile: boolean;
  lioBatch: number;
  /** Interleaved rounds; each engine's row is its median round. */
  rounds: number;
  /** e.g. `randread bs=4KiB size=1GiB iodepth=32 runtime=5s direct` */
  description: string;
}

/** --json's object. */
export interface BenchReport {
  job: JobSummary;
  machine: MachineInfo;
  engines: EngineRow[];
}

/** The job's summary. */
export function summarizeJob(job: Job): JobSummary {
  return {
    rw: job.rw,
    bs: job.bs,
    size: job.size,
    iodepth: job.iodepth,
    numjobs: job.numjobs,
    runtimeMs: job.runtimeMs,
    direct: job.direct,
    cache: job.direct ? null : job.cache,
    filename: job.filename,
    createdFile: job.createdFile,
    lioBatch: job.lioBatch,
    rounds: job.rounds,
    description: describeJob(job),
  };
}
