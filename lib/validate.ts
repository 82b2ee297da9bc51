// Argument checks with Node's split of codes: the wrong type is
// ERR_INVALID_ARG_TYPE, the right type out of range is ERR_OUT_OF_RANGE.
import type { FileHandle } from 'fs/promises';
import { errno, invalidArgType, outOfRange, systemError } from './errors';

/** A file descriptor, or a `fs.promises` `FileHandle`. */
export type Fd = number | FileHandle;

const INT32_MAX = 0x7fffffff;
const TWO_32 = 4294967296;
const POS_LIMIT = 1n << 63n;

/** Is this a valid fd number (a non-negative int32)? @internal */
export function isFdNumber(fd: unknown): fd is number {
  return typeof fd === 'number' && Number.isInteger(fd) && fd >= 0 && fd <= INT32_MAX;
}

/**
 * The fd number of a number or a FileHandle. A closed FileHandle (fd -1) is
 * EBADF, as Node's fs reports it.
 * @internal
 */
export function fdOf(fd: unknown, syscall: string): number {
  if (typeof fd === 'number') {
    if (!isFdNumber(fd)) throw outOfRange('fd', `>= 0 && <= ${INT32_MAX}`, fd);
    return fd;
  }
  if (typeof fd === 'object' && fd !== null) {
    const n: unknown = (fd as { fd?: unknown }).fd; // read once: a getter may change its mind
    if (typeof n === 'number') {
      if (n < 0) throw systemError(errno.EBADF, syscall, 'file closed');
      if (!isFdNumber(n)) throw outOfRange('fd.fd', `>= 0 && <= ${INT32_MAX}`, n);
      return n;
    }
  }
  throw invalidArgType('fd', 'of type number or an instance of FileHandle', fd);
}

/** A position split into the two 32-bit halves the native side takes. @internal */
export interface Split {
  lo: number;
  hi: number;
}

/** @internal */
export function splitPosition(pos: unknown, out: Split, name = 'position'): void {
  if (typeof pos === 'number') {
    if (!Number.isSafeInteger(pos) || pos < 0) throw outOfRange(name, `an integer >= 0 && <= ${Number.MAX_SAFE_INTEGER}`, pos);
    out.lo = pos >>> 0;
    out.hi = (pos / TWO_32) >>> 0;
    return;
  }
  if (typeof pos === 'bigint') {
    if (pos < 0n || pos >= POS_LIMIT) throw outOfRange(name, '>= 0n && < 2n ** 63n', pos);
    out.lo = Number(pos & 0xffffffffn);
    out.hi = Number(pos >> 32n);
    return;
  }
  throw invalidArgType(name, 'of type number or bigint', pos);
}

/** @internal */
export function checkObject(value: unknown, name: string): Record<string, unknown> | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'object') throw invalidArgType(name, 'of type object', value);
  return value as Record<string, unknown>;
}

/** @internal */
export function checkBoolean(value: unknown, name: string): boolean {
  if (value === undefined) return false;
  if (typeof value !== 'boolean') throw invalidArgType(name, 'of type boolean', value);
  return value;
}

/** @internal */
export function checkInteger(value: unknown, name: string, min: number, max: number): number {
  if (typeof value !== 'number') throw invalidArgType(name, 'of type number', value);
  if (!Number.isInteger(value) || value < min || value > max) throw outOfRange(name, `an integer >= ${min} && <= ${max}`, value);
  return value;
}

/** @internal */
export function checkSignal(value: unknown, name: string): AbortSignal | undefined {
  if (value === undefined) return undefined;
  if (!(value instanceof AbortSignal)) throw invalidArgType(name, 'an instance of AbortSignal', value);
  return value;
}
