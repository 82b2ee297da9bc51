// Errors shaped like Node's own: ERR_* codes for bad arguments, and system
// errors with code, errno (negative) and syscall for what the kernel refused.
import * as fs from 'fs';
import * as os from 'os';
import * as util from 'util';
import { viewParts, viewBytes } from './views';
import { binding } from './native';

/** An `Error` carrying a Node-style `code`. */
export interface CodedError extends Error {
  code: string;
}

/** A failure the kernel reported, shaped like the errors of Node's `fs`. */
export interface SystemError extends CodedError {
  /** The errno as Node reports it: negative (`-9` for `EBADF`). */
  errno: number;
  /** `'io_submit'` when the submission failed, otherwise the operation. */
  syscall: string;
  /** The file descriptor of the request, when there was one. */
  fd?: number;
  /** The file position of the request, when there was one. */
  position?: number | bigint;
}

function describe(value: unknown): string {
  if (value === null) return 'Received null';
  if (value === undefined) return 'Received undefined';
  if (typeof value === 'function') return `Received function ${value.name || '<anonymous>'}`;
  if (typeof value === 'object') {
    const name = (value as { constructor?: { name?: string } }).constructor?.name;
    return name ? `Received an instance of ${name}` : `Received ${util.inspect(value, { depth: -1 })}`;
  }
  let shown = util.inspect(value, { colors: false });
  if (shown.length > 28) shown = `${shown.slice(0, 25)}...`;
  return `Received type ${typeof value} (${shown})`;
}

function coded<E extends Error>(err: E, code: string): E & CodedError {
  return Object.assign(err, { code });
}

/** @internal */
export function invalidArgType(name: string, expected: string, actual: unknown): TypeError & CodedError {
  return coded(new TypeError(`The "${name}" argument must be ${expected}. ${describe(actual)}`), 'ERR_INVALID_ARG_TYPE');
}

/** @internal */
export function outOfRange(name: string, range: string, actual: unknown): RangeError & CodedError {
  const shown = typeof actual === 'bigint' ? `${actual}n` : String(actual);
  return coded(
    new RangeError(`The value of "${name}" is out of range. It must be ${range}. Received ${shown}`),
    'ERR_OUT_OF_RANGE',
  );
}

/** @internal */
export function errnoName(errno: number): string {
  try {
    return util.getSystemErrorName(-Math.abs(errno));
  } catch {
    return `E${Math.abs(errno)}`;
  }
}

/** @internal */
export function errnoNumber(code: string): number {
  return (os.constants.errno as Record<string, number>)[code] ?? 0;
}

/** errno numbers by name, from Node's own table (positive). @internal */
export const errno = os.constants.errno;

function errnoMessage(errno: number): string {
  return util.getSystemErrorMap().get(-Math.abs(errno))?.[1] ?? 'unknown error';
}

/**
 * A system error for a positive errno. `where` is appended to the message
 * (e.g. "fd 5, position 4096").
 * @internal
 */
export function systemError(errno: number, syscall: string, where?: string, extra?: object, detail?: string): SystemError {
  const code = errnoName(errno);
  const err = new Error(`${code}: ${errnoMessage(errno)}, ${syscall}${where ? ` (${where})` : ''}${detail ? `: ${detail}` : ''}`);
  return Object.assign(err, { errno: -Math.abs(errno), code, syscall }, extra);
}

/** Rejection of a request whose `AbortSignal` fired. `cause` is the signal's reason. */
export class AbortError extends Error {
  readonly code = 'ABORT_ERR';
  constructor(message = 'The operation was aborted', options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'AbortError';
  }
}

/** @internal */
export function closedError(): CodedError {
  return coded(new Error('The AioContext is closed'), 'ERR_AIO_CLOSED');
}

const EFAULT = 14;
const EISDIR = 21;
const EINVAL = 22;

/** What a request asked of the kernel, for explaining its refusal. @internal */
export interface RequestFacts {
  fd: number;
  /** The file position, for reads and writes. */
  position?: number | bigint | undefined;
  /** The buffer, or the buffers of a vectored request. */
  buffers?: ArrayBufferView | readonly ArrayBufferView[] | null | undefined;
}

/**
 * The errno a caller should see: the kernel answers `EINVAL` for I/O on a
 * directory (it has no read_iter), where read(2) and Node's fs say `EISDIR`.
 * @internal
 */
export function refineErrno(errno: number, fd: number): number {
  if (errno !== EINVAL || fd < 0) return errno;
  try {
    if (fs.fstatSync(fd).isDirectory()) return EISDIR;
  } catch {}
  return errno;
}

/** Whether the open file behind fd has O_DIRECT set (/proc/self/fdinfo). */
function hasODirect(fd: number): boolean {
  try {
    const m = /^flags:\s*([0-7]+)/m.exec(fs.readFileSync(`/proc/self/fdinfo/${fd}`, 'utf8'));
    return m !== null && (parseInt(m[1]!, 8) & fs.constants.O_DIRECT) !== 0;
  } catch {
    return false;
  }
}

function addressAligned(view: ArrayBufferView, alignment: number): boolean | undefined {
  try {
    const parts = viewParts(view)!;
    const skip = binding.alignOffset(parts.buffer as ArrayBuffer, alignment);
    return (((parts.offset - skip) % alignment) + alignment) % alignment === 0;
  } catch {
    return undefined; // not an ArrayBuffer (a SharedArrayBuffer): unknown
  }
}

/**
 * For an `EINVAL` on an O_DIRECT file: which of the request's position, lengths
 * and buffer addresses break the alignment `directIoAlignment` reports, or null
 * when none does (then the EINVAL has another cause).
 * @internal
 */
export function misalignment(facts: RequestFacts): string | null {
  if (facts.fd < 0 || !hasODirect(facts.fd)) return null;
  let memory: number;
  let offset: number;
  try {
    [memory, offset] = binding.dioAlign(facts.fd);
  } catch {
    return null;
  }
  if (memory <= 0 || offset <= 0) return null;
  const problems: string[] = [];
  const pos = facts.position;
  if (pos !== undefined && (typeof pos === 'bigint' ? pos % BigInt(offset) !== 0n : pos % offset !== 0)) {
    problems.push(`position ${pos} is not a multiple of ${offset}`);
  }
  const vectored = Array.isArray(facts.buffers);
  const list: readonly ArrayBufferView[] = facts.buffers == null ? [] : vectored ? (facts.buffers as readonly ArrayBufferView[]) : [facts.buffers as ArrayBufferView];
  list.forEach((view, i) => {
    const name = vectored ? `buffers[${i}]` : 'buffer';
    const length = viewBytes(view); // the intrinsic getter: a subclass's may lie or throw
    if (length % offset !== 0) problems.push(`${name} length ${length} is not a multiple of ${offset}`);
    if (addressAligned(view, memory) === false) problems.push(`${name} address is not a multiple of ${memory} (allocAligned() gives one that is)`);
  });
  if (problems.length === 0) return null;
  return `misaligned for O_DIRECT, which needs buffer addresses aligned to ${memory} bytes and positions and lengths to ${offset} on this file (directIoAlignment): ${problems.join('; ')}`;
}

/**
 * The error of a failed read, write or sync, shaped like Node's fs errors, with
 * `EISDIR` for a directory and the misalignment spelled out for an O_DIRECT `EINVAL`.
 * @internal
 */
export function ioError(errno: number, syscall: string, facts: RequestFacts): SystemError {
  const e = refineErrno(Math.abs(errno), facts.fd);
  const { fd, position } = facts;
  const where = position === undefined ? `fd ${fd}` : `fd ${fd}, position ${position}`;
  const extra = position === undefined ? { fd } : { fd, position };
  return systemError(e, syscall, where, extra, explain(e, facts));
}

// More than the errno says, where the package knows it. Never throws: it runs
// while a request settles.
function explain(e: number, facts: RequestFacts): string | undefined {
  // The package hands the kernel only memory it keeps valid: EFAULT means the
  // caller's buffer went away (detached, shrunk) before the bytes could land.
  if (e === EFAULT) return 'the buffer was detached or shrunk while the request was pending';
  if (e !== EINVAL) return undefined;
  try {
    return misalignment(facts) ?? undefined;
  } catch {
    return undefined;
  }
}
