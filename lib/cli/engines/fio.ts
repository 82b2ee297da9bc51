// The `fio` engine: the same job through fio's libaio engine, the C reference.
// Runs fio directly (no Node child) and reads its JSON output.
import { spawn } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { writes } from '../args';
import type { HistogramBins } from '../histogram';
import { regionSize, type Job } from '../job';
import type { RawResult } from './types';

// Enough points to draw the distribution; fio accepts at most 20.
const PERCENTILES = [1, 5, 10, 20, 30, 40, 50, 60, 70, 80, 90, 95, 98, 99, 99.5, 99.9, 99.95, 99.99];

/** The fio executable on PATH, or undefined. */
export function findFio(): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    if (dir === '') continue;
    const file = path.join(dir, 'fio');
    try {
      fs.accessSync(file, fs.constants.X_OK);
      if (fs.statSync(file).isFile()) return file;
    } catch {
      // not here
    }
  }
  return undefined;
}

/** fio's command line for the job. */
export function fioArgs(job: Job, ioengine: 'libaio' | 'io_uring' = 'libaio'): string[] {
  const args = [
    '--name=linux-aio-bench',
    // fio splits file names on ':'
    `--filename=${job.filename.replace(/:/g, '\\:')}`,
    `--rw=${job.rw}`,
    `--bs=${job.bs}`,
    `--size=${regionSize(job)}`, // each job's share (all of it with one job)
    `--ioengine=${ioengine}`,
    `--iodepth=${job.iodepth}`,
    `--direct=${job.direct ? 1 : 0}`,
    `--runtime=${Math.max(1, Math.round(job.runtimeMs))}ms`,
    '--time_based',
    // The benchmark sets the page cache state itself (cold or warm) before every engine;
    // fio's default invalidate=1 would drop a warmed cache.
    '--invalidate=0',
    // Uniform random positions with replacement, as the other engines draw them.
    '--norandommap',
    '--randrepeat=0',
    '--lat_percentiles=1',
    `--percentile_list=${PERCENTILES.join(':')}`,
    '--unified_rw_reporting=mixed',
    '--output-format=json',
  ];
  if (job.rw === 'randrw') args.push('--rwmixread=50');
  if (job.numjobs > 1) {
    // Job i on [i * region, (i + 1) * region), reported as one group.
    args.push(`--numjobs=${job.numjobs}`, `--offset_increment=${regionSize(job)}`, '--group_reporting');
  }
  if (!writes(job.rw)) args.push('--readonly');
  return args;
}

interface FioStats {
  iops: number;
  total_ios: number;
  /** ms: the longest job's (job_runtime is their sum under group_reporting). */
  runtime?: number;
  lat_ns: { min: number; max: number; percentile?: Record<string, number> };
}
interface FioJob {
  error: number;
  job_runtime: number;
  usr_cpu: number;
  sys_cpu: number;
  mixed?: FioStats;
  read?: FioStats;
}

function pct(p: number): string {
  return p.toFixed(6);
}

/** Turns fio's JSON output into a result. */
export function parseFioOutput(text: string): RawResult {
  // fio may print notes before the JSON object.
  const start = text.indexOf('{');
  if (start < 0) throw new Error(`fio printed no JSON: ${text.trim().slice(0, 300)}`);
  const out = JSON.parse(text.slice(start)) as { jobs?: FioJob[] };
  const j = out.jobs?.[0];
  if (j === undefined) throw new Error('fio reported no job');
  if (j.error !== 0) throw new Error(`fio's job failed with error ${j.error}`);
  const s = j.mixed ?? j.read;
  if (s === undefined) throw new Error('fio reported no I/O statistics');
  const p = s.lat_ns.percentile ?? {};
  const at = (q: number): number => p[pct(q)] ?? NaN;
  // The chart's bins: the mass between successive percentiles, from min to max.
  const points: [number, number][] = [[0, s.lat_ns.min], ...PERCENTILES.map((q): [number, number] => [q, at(q)]), [100, s.lat_ns.max]];
  const bins: HistogramBins = [];
  for (let i = 1; i < points.length; i++) {
    const [q0, v0] = points[i - 1];
    const [q1, v1] = points[i];
    if (!(v1 >= v0) || q1 === q0) continue;
    bins.push([v0, Math.max(v1, v0 + 1), ((q1 - q0) / 100) * s.total_ios]);
  }
  return {
    ops: s.total_ios,
    elapsedMs: s.runtime ?? j.job_runtime,
    // usr_cpu/sys_cpu are percentages of job_runtime (summed over the jobs).
    cpuUs: ((j.usr_cpu + j.sys_cpu) / 100) * j.job_runtime * 1000,
    loopDelayP99Ms: null,
    latNs: { p50: at(50), p99: at(99), p999: at(99.9) },
    bins,
  };
}

/** A running fio: its result, and a way to stop it. */
export interface FioRun {
  result: Promise<RawResult>;
  /** Settles when fio has exited. */
  exited: Promise<void>;
  stop(): void;
}

/** Runs the job through fio; `onTick` gets the elapsed time while it runs. */
export function runFio(fio: string, job: Job, onTick: (elapsedMs: number) => void, ioengine: 'libaio' | 'io_uring' = 'libaio'): FioRun {
  const child = spawn(fio, fioArgs(job, ioengine), { stdio: ['ignore', 'pipe', 'pipe'] });
  const started = Date.now();
  const tick = setInterval(() => onTick(Date.now() - started), 200);
  // fio stops on its own at --runtime; this only guards against a hang.
  const guard = setTimeout(() => child.kill('SIGKILL'), job.runtimeMs + 60_000);
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  const result = new Promise<RawResult>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearInterval(tick);
      clearTimeout(guard);
      if (code !== 0) {
        const why = stderr.trim().split('\n').slice(-3).join(' ') || stdout.trim().slice(0, 300);
        reject(new Error(`fio exited with ${signal ?? `code ${code}`}${why ? `: ${why}` : ''}`));
        return;
      }
      try {
        resolve(parseFioOutput(stdout));
      } catch (err) {
        reject(err);
      }
    });
  });
  const exited = new Promise<void>((resolve) => child.once('close', () => resolve()));
  return {
    result,
    exited,
    stop: () => {
      // SIGTERM: fio stops its job processes and exits.
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    },
  };
}
