// Errors shaped like Node's own: ERR_* codes for bad arguments, and system
// errors with code, errno (negative) and syscall for what the kernel refused.
import * as os from 'os';
import * as util from 'util';

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
export function systemError(errno: number, syscall: string, where?: string, extra?: object): SystemError {
  const code = errnoName(errno);
  const err = new Error(`${code}: ${errnoMessage(errno)}, ${syscall}${where ? ` (${where})` : ''}`);
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
