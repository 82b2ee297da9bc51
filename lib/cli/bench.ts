// `linux-aio bench`: plans the job, creates the file, runs every engine in turn
// from the same page cache state, and prints the table, JSON and/or HTML report.
// The package entry first: its platform check must run before anything loads the binary.
import '../index';
import * as fs from 'fs';
import * as path from 'path';
import { EngineName, parseBenchArgs, UsageError, USAGE } from './args';
import { evict, warm } from './cache';
import { Cleanup } from './cleanup';
import { runChild } from './engines/child';
import { findFio, runFio } from './engines/fio';
import type { RawResult } from './engines/types';
import { checkDirect, createJobFile, Job, planJob, RefusalError } from './job';
import { machineInfo } from './machine';
import { renderHtml } from './output/html';
import { BenchReport, summarizeJob } from './output/report';
import { formatTable } from './output/table';
import { errnoText, preflight } from './preflight';
import { Progress } from './progress';
import { addRatios, EngineOutcome, errorRow, medianRound, rowFromResult } from './results';
import { formatSize } from './units';
import { benchWhole, isWholeJob } from './whole';

/** The same page cache state before every engine: evicted (direct, cold) or fully cached (warm). */
async function setCache(job: Job): Promise<void> {
  evict(job.filename); // also writes back what a previous writing engine left dirty
  if (!job.direct && job.cache === 'warm') await warm(job.filename, job.size);
}

async function runEngine(engine: EngineName, job: Job, progress: Progress, cleanup: Cleanup, fio: string | undefined): Promise<RawResult> {
  if (engine === 'fio' || engine === 'fio-uring') {
    if (fio === undefined) throw new Error('fio is not on PATH (install it, e.g. apt-get install fio, to compare with the C reference)');
    const run = runFio(fio, job, (ms) => progress.update(null, ms), engine === 'fio' ? 'libaio' : 'io_uring');
    const untrack = cleanup.track(run.stop, run.exited);
    return run.result.finally(untrack);
  }
  const run = runChild(engine, job, (ops, ms) => progress.update(ops, ms));
  const untrack = cleanup.track(run.stop, run.exited);
  return run.result.finally(untrack);
}

/**
 * Runs `linux-aio bench` with the arguments after `bench`.
 * @returns the exit code: 0 when at least one engine ran, 1 when none could or the job was refused, 2 for a usage error.
 */
export async function bench(argv: readonly string[]): Promise<number> {
  if (isWholeJob(argv)) return benchWhole(argv);
  let opts;
  try {
    opts = parseBenchArgs(argv);
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    process.stderr.write(`linux-aio bench: ${err.message}\nTry 'linux-aio bench --help'.\n`);
    return 2;
  }
  if (opts.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  const cleanup = new Cleanup();
  const progress = new Progress(process.stderr);
  try {
    const { job, create } = planJob(opts);
    // Every path the run writes, before the file is made and the first engine runs.
    preflight(opts, job, create);
    const machine = machineInfo(create ? path.dirname(job.filename) : job.filename);
    if (create) {
      progress.note(`creating ${job.filename} (${formatSize(job.size)})`);
      try {
        await createJobFile(job, () => cleanup.ownFile(job.filename));
      } catch (err) {
        throw new RefusalError(`cannot create ${job.filename}: ${errnoText(err)}`);
      }
    }
    checkDirect(job);
    const fio = findFio();
    // Rounds interleave the engines, so that a slow phase of the machine
    // falls on all of them rather than on one.
    const runs = opts.engines.map((): EngineOutcome[] => []);
    for (let round = 1; round <= job.rounds; round++) {
      for (const [i, engine] of opts.engines.entries()) {
        const label = job.rounds > 1 ? `${engine} (round ${round}/${job.rounds})` : engine;
        progress.begin(label, job.runtimeMs);
        let outcome: EngineOutcome;
        try {
          await setCache(job);
          const raw = await runEngine(engine, job, progress, cleanup, fio);
          outcome = { row: rowFromResult(engine, raw, job.bs), bins: raw.bins };
        } catch (err) {
          outcome = { row: errorRow(engine, (err as Error).message ?? String(err)), bins: null };
        }
        progress.end(outcome.row, label);
        runs[i].push(outcome);
      }
    }
    const outcomes = runs.map(medianRound);
    const rows = outcomes.map((o) => o.row);
    addRatios(rows);
    const report: BenchReport = { job: summarizeJob(job), machine, engines: rows };
    // The results first: a report that fails to write after all (the disk filled
    // up meanwhile) must not lose them.
    process.stdout.write(opts.json ? `${JSON.stringify(report, null, 2)}\n` : formatTable(report, opts.breakdown));
    if (opts.report !== undefined) {
      try {
        fs.writeFileSync(opts.report, renderHtml(report, outcomes));
      } catch (err) {
        process.stderr.write(`linux-aio bench: cannot write --report ${path.resolve(opts.report)}: ${errnoText(err)}\n`);
        return 1;
      }
      progress.note(`report: ${path.resolve(opts.report)}`);
    }
    return rows.some((r) => r.error === undefined) ? 0 : 1;
  } catch (err) {
    if (!(err instanceof RefusalError)) throw err;
    process.stderr.write(`linux-aio bench: ${err.message}\n`);
    return 1;
  } finally {
    cleanup.dispose();
  }
}
