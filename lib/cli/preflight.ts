// Checks, before anything runs, that every path the benchmark will write can be
// written: the --report file, the file it creates for the job (or --filename
// when the job writes it). A failure here is a RefusalError: one line, exit 1,
// and no engine has run yet, so no result is lost.
import * as fs from 'fs';
import * as path from 'path';
import { writes } from './args';
import type { BenchOptions } from './args';
import { Job, RefusalError } from './job';

/** `EROFS: read-only file system` from an fs error, else its message's first line. */
export function errnoText(err: unknown): string {
  const e = err as NodeJS.ErrnoException;
  if (typeof e?.code === 'string' && /^E[A-Z]+$/.test(e.code)) {
    // Node's message is "EROFS: read-only file system, open '/x'": keep what precedes the call.
    const m = /^([A-Z]+: [^,]+)/.exec(e.message ?? '');
    return m?.[1] ?? e.code;
  }
  return String((err as Error)?.message ?? err).split('\n')[0] ?? '';
}

/** Throws a RefusalError unless `file` can be created or, if it exists, overwritten. */
export function checkWritableFile(file: string, what: string): void {
  const full = path.resolve(file);
  let st: fs.Stats | undefined;
  try {
    st = fs.statSync(full);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw new RefusalError(`cannot write ${what} ${full}: ${errnoText(err)}`);
  }
  if (st?.isDirectory()) throw new RefusalError(`cannot write ${what} ${full}: it is a directory`);
  try {
    if (st !== undefined) {
      // Open for writing without truncating: the old contents stay until the end.
      fs.closeSync(fs.openSync(full, fs.constants.O_WRONLY));
    } else {
      fs.closeSync(fs.openSync(full, 'wx'));
      fs.unlinkSync(full);
    }
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const hint = code === 'ENOENT' ? `its directory ${path.dirname(full)} does not exist` : errnoText(err);
    throw new RefusalError(`cannot write ${what} ${full}: ${hint}`);
  }
}

/** Throws a RefusalError unless a new file can be created in `dir`. */
export function checkWritableDir(dir: string, what: string): void {
  const probe = path.join(dir, `.linux-aio-bench-probe-${process.pid}`);
  try {
    fs.closeSync(fs.openSync(probe, 'wx', 0o600));
    fs.unlinkSync(probe);
  } catch (err) {
    throw new RefusalError(`cannot create ${what} in ${dir}: ${errnoText(err)}`);
  }
}

/**
 * Every output of the run, checked before the job's file is created and before
 * the first engine runs.
 */
export function preflight(opts: BenchOptions, job: Job, create: boolean): void {
  if (opts.report !== undefined) checkWritableFile(opts.report, '--report');
  if (create) {
    checkWritableDir(path.dirname(job.filename), 'the job file');
  } else if (writes(job.rw)) {
    try {
      fs.closeSync(fs.openSync(job.filename, fs.constants.O_WRONLY));
    } catch (err) {
      throw new RefusalError(`cannot write --filename ${job.filename}: ${errnoText(err)}`);
    }
  }
}
