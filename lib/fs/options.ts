// Argument handling of linux-aio/fs, shaped as Node's fs/promises: the same
// defaults, the same error codes (ERR_INVALID_ARG_TYPE for a wrong type,
// ERR_OUT_OF_RANGE for a value outside its range, ERR_INVALID_ARG_VALUE for a
// bad flag or encoding), and the errors of a closed handle.
import { constants as fsConstants } from 'fs';
import { inspect } from 'util';
import { AbortError, invalidArgType, outOfRange } from '../errors';
import type { AioContext } from '../context';

const { O_RDONLY, O_WRONLY, O_RDWR, O_CREAT, O_TRUNC, O_EXCL, O_APPEND, O_SYNC } = fsConstants;

/** `fs` flags as strings, as Node's `stringToFlags` maps them. */
const FLAGS: Record<string, number> = {
  r: O_RDONLY,
  rs: O_RDONLY | O_SYNC,
  sr: O_RDONLY | O_SYNC,
  'r+': O_RDWR,
  'rs+': O_RDWR | O_SYNC,
  'sr+': O_RDWR | O_SYNC,
  w: O_TRUNC | O_CREAT | O_WRONLY,
  wx: O_TRUNC | O_CREAT | O_WRONLY | O_EXCL,
  xw: O_TRUNC | O_CREAT | O_WRONLY | O_EXCL,
  'w+': O_TRUNC | O_CREAT | O_RDWR,
  'wx+': O_TRUNC | O_CREAT | O_RDWR | O_EXCL,
  'xw+': O_TRUNC | O_CREAT | O_RDWR | O_EXCL,
  a: O_APPEND | O_CREAT | O_WRONLY,
  ax: O_APPEND | O_CREAT | O_WRONLY | O_EXCL,
  xa: O_APPEND | O_CREAT | O_WRONLY | O_EXCL,
  as: O_APPEND | O_CREAT | O_WRONLY | O_SYNC,
  sa: O_APPEND | O_CREAT | O_WRONLY | O_SYNC,
  'a+': O_APPEND | O_CREAT | O_RDWR,
  'ax+': O_APPEND | O_CREAT | O_RDWR | O_EXCL,
  'xa+': O_APPEND | O_CREAT | O_RDWR | O_EXCL,
  'as+': O_APPEND | O_CREAT | O_RDWR | O_SYNC,
  'sa+': O_APPEND | O_CREAT | O_RDWR | O_SYNC,
};

/** An error with a Node-style code. @internal */
export function coded<E extends Error>(err: E, code: string): E & { code: string } {
  return Object.assign(err, { code });
}

/** @internal */
export function invalidArgValue(name: string, value: unknown, reason = 'is invalid'): TypeError & { code: string } {
  const kind = name.includes('.') ? 'property' : 'argument';
  return coded(new TypeError(`The ${kind} '${name}' ${reason}. Received ${inspect(value)}`), 'ERR_INVALID_ARG_VALUE');
}

/** Numeric open flags of a string or number, as Node's `stringToFlags`. @internal */
export function toFlags(flags: unknown, name = 'flags'): number {
  if (flags === undefined || flags === null) return O_RDONLY;
  if (typeof flags === 'number') return flags;
  if (typeof flags === 'string' && Object.prototype.hasOwnProperty.call(FLAGS, flags)) return FLAGS[flags];
  throw invalidArgValue(name, flags);
}

/** `fs` errors of a closed handle: `EBADF`, 'file closed', with the call's syscall. @internal */
export function closedHandle(syscall: string): Error & { code: string; syscall: string } {
  return Object.assign(new Error('file closed'), { code: 'EBADF', syscall });
}

/** @internal */
export function checkInteger(value: unknown, name: string, min = Number.MIN_SAFE_INTEGER, max = Number.MAX_SAFE_INTEGER): number {
  if (typeof value !== 'number') throw invalidArgType(name, 'of type number', value);
  if (!Number.isInteger(value)) throw outOfRange(name, 'an integer', value);
  if (value < min || value > max) throw outOfRange(name, `>= ${min} && <= ${max}`, value);
  return value;
}

/** @internal */
export function checkBufferArg(value: unknown, name = 'buffer'): ArrayBufferView {
  if (!ArrayBuffer.isView(value)) throw invalidArgType(name, 'an instance of Buffer, TypedArray, or DataView', value);
  return value;
}

/** @internal */
export function checkBufferArray(value: unknown, name = 'buffers'): ArrayBufferView[] {
  if (!Array.isArray(value) || !value.every((b) => ArrayBuffer.isView(b))) {
    throw invalidArgType(name, 'an instance of ArrayBufferView[]', value);
  }
  return value as ArrayBufferView[];
}

/** @internal */
export function checkObject(value: unknown, name: string, nullable = false): Record<string, unknown> | undefined {
  if (value === undefined || (nullable && value === null)) return undefined;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw invalidArgType(name, 'of type object', value);
  return value as Record<string, unknown>;
}

/** @internal */
export function checkBoolean(value: unknown, name: string, dflt: boolean): boolean {
  if (value === undefined) return dflt;
  if (typeof value !== 'boolean') throw invalidArgType(name, 'of type boolean', value);
  return value;
}

/** @internal */
export function checkSignal(value: unknown, name = 'options.signal'): AbortSignal | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'object' || value === null || !('aborted' in value)) {
    throw invalidArgType(name, 'an instance of AbortSignal', value);
  }
  return value as AbortSignal;
}

/** @internal */
export function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new AbortError(undefined, { cause: signal.reason });
}

/** @internal */
export function checkEncoding(value: unknown, name = 'encoding'): BufferEncoding | null {
  if (value === undefined || value === null || value === 'buffer') return null;
  if (typeof value !== 'string' || !Buffer.isEncoding(value)) throw invalidArgValue(name, value);
  return value as BufferEncoding;
}

/** Options of `open`. */
export interface OpenOptions {
  /** The context requests go to (default: one shared context per thread, depth 128). */
  context?: AioContext;
  /** Open with `O_DIRECT`: the page cache is bypassed; user buffers, positions and lengths must be aligned. */
  direct?: boolean;
}

/** Options of `readFile`. */
export interface ReadFileOptions extends OpenOptions {
  encoding?: BufferEncoding | null;
  flag?: string | number;
  signal?: AbortSignal;
}

/** Options of `writeFile` / `appendFile`. */
export interface WriteFileOptions extends OpenOptions {
  encoding?: BufferEncoding | null;
  mode?: number | string;
  flag?: string | number;
  flush?: boolean;
  signal?: AbortSignal;
}

/** `options` as a string (the encoding) or an object, as Node's `getOptions`. @internal */
export function getOptions(options: unknown, defaults: Record<string, unknown>): Record<string, unknown> {
  if (options === undefined || options === null || typeof options === 'function') return { ...defaults };
  if (typeof options === 'string') {
    checkEncoding(options, 'encoding');
    return { ...defaults, encoding: options };
  }
  if (typeof options !== 'object') throw invalidArgType('options', 'one of type string or an instance of Object', options);
  const out = { ...defaults, ...(options as Record<string, unknown>) };
  if (out.encoding !== 'buffer') checkEncoding(out.encoding, 'encoding');
  return out;
}

/** The context and direct flag of open-like options. @internal */
export function openOptions(options: unknown, name = 'options'): { context: AioContext | undefined; direct: boolean } {
  const o = checkObject(options, name, true);
  const direct = checkBoolean(o?.direct, `${name}.direct`, false);
  const context = o?.context;
  if (context !== undefined && (typeof context !== 'object' || context === null || typeof (context as AioContext).read !== 'function')) {
    throw invalidArgType(`${name}.context`, 'an instance of AioContext', context);
  }
  return { context: context as AioContext | undefined, direct };
}

/**
 * Chunks of the data `writeFile` takes: a view as one chunk, a string encoded,
 * or the items of a (sync or async) iterable, each a view or a string.
 * @internal
 */
export function isIterableData(data: unknown): data is Iterable<unknown> | AsyncIterable<unknown> {
  return (
    typeof data === 'object' &&
    data !== null &&
    !ArrayBuffer.isView(data) &&
    (typeof (data as Iterable<unknown>)[Symbol.iterator] === 'function' ||
      typeof (data as AsyncIterable<unknown>)[Symbol.asyncIterator] === 'function')
  );
}

/** A string or view of `writeFile`'s `data` as bytes (views are not copied). @internal */
export function dataBytes(data: unknown, encoding: BufferEncoding | null, name = 'data'): Uint8Array {
  if (ArrayBuffer.isView(data)) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  if (typeof data !== 'string') throw invalidArgType(name, 'of type string or an instance of Buffer, TypedArray, or DataView', data);
  return Buffer.from(data, encoding ?? 'utf8');
}

/** Rounds `n` up to a multiple of `a` (a power of two). @internal */
export function roundUp(n: number, a: number): number {
  return Math.ceil(n / a) * a;
}

export { invalidArgType, outOfRange };
