// From what an engine measured to the row the table, --json and --report show.
import type { EngineName } from './args';
import type { HistogramBins } from './histogram';
import type { RawResult } from './engines/types';

/** One engine's row: the shape of `engines[]` in --json. Null where not measured. */
export interface EngineRow {
  engine: EngineName;
  iops: number | null;
  mibps: number | null;
  /** Request latency percentiles, µs: from submission to the caller seeing completion. */
  latUs: { p50: number; p99: number; p999: number } | null;
  /** user+sys CPU of the whole process per request, µs. */
  cpuUsPerOp: number | null;
  /** The event loop's p99 delay during the run, ms (null for fio: no event loop). */
  loopDelayP99Ms: number | null;
  /** iops / the fs engine's iops (null without an fs row). */
  ratioToFs: number | null;
  /** Requests completed, and the run's length in seconds. */
  requests: number | null;
  seconds: number | null;
  /** How the engine ran, e.g. `UV_THREADPOOL_SIZE=32`. */
  note?: string;
  /**
   * Where requests spent their time, µs (aio, lio): from the call to io_submit,
   * in the kernel until reaped, and from the reap to the settled promise.
   */
  breakdownUs?: { queued: Pair; inKernel: Pair; delivered: Pair };
  /** With --rounds N > 1: the IOPS of each round, in order (null: that round failed). */
  roundsIops?: (number | null)[];
  /** Why the engine could not run. */
  error?: string;
}

/** p50 and p99 of a stage, µs. */
export interface Pair {
  p50: number;
  p99: number;
}

/** A row, and the latency distribution behind it (for the report). */
export interface EngineOutcome {
  row: EngineRow;
  bins: HistogramBins | null;
}

const round = (v: number, digits: number): number => Number(v.toFixed(digits));

/** The row for a finished run of `bs`-byte requests. */
export function rowFromResult(engine: EngineName, r: RawResult, bs: number): EngineRow {
  const seconds = r.elapsedMs / 1000;
  const iops = seconds > 0 ? r.ops / seconds : 0;
  return {
    engine,
    iops: Math.round(iops),
    mibps: round((iops * bs) / 1024 / 1024, 1),
    latUs: { p50: round(r.latNs.p50 / 1000, 1), p99: round(r.latNs.p99 / 1000, 1), p999: round(r.latNs.p999 / 1000, 1) },
    cpuUsPerOp: r.ops > 0 ? round(r.cpuUs / r.ops, 2) : null,
    loopDelayP99Ms: r.loopDelayP99Ms === null ? null : round(r.loopDelayP99Ms, 2),
    ratioToFs: null,
    requests: r.ops,
    seconds: round(seconds, 3),
    ...(r.note !== undefined ? { note: r.note } : {}),
    ...(r.breakdown !== undefined
      ? {
          breakdownUs: {
            queued: { p50: r.breakdown.queued.p50, p99: r.breakdown.queued.p99 },
            inKernel: { p50: r.breakdown.inKernel.p50, p99: r.breakdown.inKernel.p99 },
            delivered: { p50: r.breakdown.delivered.p50, p99: r.breakdown.delivered.p99 },
          },
        }
      : {}),
  };
}

/** The row of an engine that could not run, saying why. */
export function errorRow(engine: EngineName, error: string): EngineRow {
  return {
    engine,
    iops: null,
    mibps: null,
    latUs: null,
    cpuUsPerOp: null,
    loopDelayP99Ms: null,
    ratioToFs: null,
    requests: null,
    seconds: null,
    error,
  };
}

/**
 * One row for an engine run in several rounds: its median round by IOPS (the
 * lower of the middle two for an even count), whole, so that its figures come
 * from one run; with every round's IOPS. The first error if no round ran.
 */
export function medianRound(runs: EngineOutcome[]): EngineOutcome {
  if (runs.length === 1) return runs[0];
  const ok = runs.filter((o) => o.row.error === undefined).sort((a, b) => a.row.iops! - b.row.iops!);
  const pick = ok.length > 0 ? ok[Math.floor((ok.length - 1) / 2)] : runs[0];
  return { row: { ...pick.row, roundsIops: runs.map((o) => o.row.iops) }, bins: pick.bins };
}

/** Fills in `ratioToFs` once every engine has run. */
export function addRatios(rows: EngineRow[]): void {
  const fs = rows.find((r) => r.engine === 'fs' && r.iops !== null && r.iops > 0);
  for (const r of rows) r.ratioToFs = fs !== undefined && r.iops !== null ? round(r.iops / fs.iops!, 2) : null;
}
