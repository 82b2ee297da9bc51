// io_setup's refusals, explained: what ran out or what blocks kernel AIO, and
// what to do about it.
import * as fs from 'fs';

function readSysctl(name: string): string {
  try {
    return fs.readFileSync(`/proc/sys/fs/${name}`, 'utf8').trim();
  } catch {
    return '?';
  }
}

// io_setup's refusals, explained.
/** @internal */
export function setupError(err: unknown, depth: number): unknown {
  const code = (err as { code?: unknown }).code;
  let message: string;
  if (code === 'EAGAIN') {
    const nr = readSysctl('aio-nr');
    const max = readSysctl('aio-max-nr');
    const need = Number(nr) + depth;
    message =
      `EAGAIN: io_setup(${depth}) refused: the system-wide limit on AIO events is reached ` +
      `(fs.aio-nr is ${nr}, this context needs ${depth} more, fs.aio-max-nr is ${max}). ` +
      `Close contexts you no longer use, use a smaller depth, or raise the limit: ` +
      `sysctl -w fs.aio-max-nr=${Number.isFinite(need) ? Math.max(need * 2, 65536) : 1048576}`;
  } else if (code === 'ENOSYS') {
    message =
      'ENOSYS: io_setup: this kernel has no AIO support (built without CONFIG_AIO). ' +
      "Pass { fallback: 'threadpool' } to run on threads instead.";
  } else if (code === 'EPERM') {
    message =
      'EPERM: io_setup: kernel AIO is not permitted here (a seccomp filter or sandbox blocks it). ' +
      "Pass { fallback: 'threadpool' } to run on threads instead.";
  } else {
    return err;
  }
  return Object.assign(new Error(message), { code, errno: (err as { errno?: number }).errno, syscall: 'io_setup' });
}
