// Whole-file reads and writes: readFile, writeFile, appendFile, on a handle or
// a path, with many requests in flight.
import * as fs from 'fs';
import * as fsp from 'fs/promises';
import { allocAligned } from '../align';
import type { AioFileHandle } from './handle';
import { directError } from './handle';
import { openFile } from './open';
import {
  checkBoolean,
  checkEncoding,
  checkSignal,
  coded,
  getOptions,
  invalidArgType,
  isIterableData,
  ReadFileOptions,
  roundUp,
  throwIfAborted,
  WriteFileOptions,
} from './options';

function knob(name: string, dflt: number): number {
  const v = Number(process.env[name]);
  return Number.isSafeInteger(v) && v > 0 ? v : dflt;
}

/**
 * Request sizes and counts in flight of whole-file reads and writes. Buffered
 * requests run on the engine's helper threads once the page cache misses: a few
 * large ones did better than many small ones there (see docs/fs.md); O_DIRECT
 * requests are asynchronous in the kernel, and eight of 1 MiB keep the disk busy.
 * Each can be overridden by an environment variable (LINUX_AIO_FS_READ_CHUNK, …).
 */
export const WHOLE_IO = {
  readChunk: knob('LINUX_AIO_FS_READ_CHUNK', 4 << 20),
  readWindow: knob('LINUX_AIO_FS_READ_WINDOW', 2),
  writeChunk: knob('LINUX_AIO_FS_WRITE_CHUNK', 8 << 20),
  writeWindow: knob('LINUX_AIO_FS_WRITE_WINDOW', 2),
  directChunk: knob('LINUX_AIO_FS_DIRECT_CHUNK', 1 << 20),
  directWindow: knob('LINUX_AIO_FS_DIRECT_WINDOW', 8),
};
const WRITE_CHUNK = WHOLE_IO.writeChunk;
const WRITE_WINDOW = WHOLE_IO.writeWindow;
/** Bytes per request when the size is unknown (procfs, pipes), as Node's 64 KiB. */
const UNKNOWN_CHUNK = 64 * 1024;
/** readFile results from this size on are allocAligned memory (mapped, so not zeroed twice: owned_memory.h). */
const OWNED_RESULT = 2 << 20;
/** Node's kIoMaxLength: the largest file readFile returns. */
const IO_MAX = 2 ** 31 - 1;

function tooLarge(size: number): RangeError {
  return coded(new RangeError(`File size (${size}) is greater than 2 GiB`), 'ERR_FS_FILE_TOO_LARGE');
}

function fstat(fd: number): Promise<fs.Stats> {
  return new Promise((resolve, reject) => fs.fstat(fd, (err, st) => (err ? reject(err) : resolve(st))));
}

function ftruncate(fd: number, len: number): Promise<void> {
  return new Promise((resolve, reject) => fs.ftruncate(fd, len, (err) => (err ? reject(err) : resolve())));
}

function isAioHandle(v: unknown): v is AioFileHandle {
  return typeof v === 'object' && v !== null && typeof (v as AioFileHandle)._xfer === 'function';
}

function isNodeHandle(v: unknown): v is fsp.FileHandle {
  return (
    typeof v === 'object' && v !== null && !isAioHandle(v) && typeof (v as fsp.FileHandle).fd === 'number' &&
    typeof (v as fsp.FileHandle).readFile === 'function'
  );
}

/**
 * Reads `buf` from `base` with several requests in flight (WHOLE_IO). Resolves
 * to the bytes filled before the first short read (end of file).
 */
function readParallel(h: AioFileHandle, buf: Buffer, base: number, signal: AbortSignal | undefined): Promise<number> {
  const chunk = h.direct ? WHOLE_IO.directChunk : WHOLE_IO.readChunk;
  const window = h.direct ? WHOLE_IO.directWindow : WHOLE_IO.readWindow;
  return new Promise((resolve, reject) => {
    let next = 0;
    let inflight = 0;
    let end = buf.length;
    let error: unknown = null;
    const pump = (): void => {
      while (inflight < window && next < end && error === null) {
        const off = next;
        const n = Math.min(chunk, buf.length - off);
        next += n;
        inflight++;
        h._xfer(false, buf.subarray(off, off + n), base + off, signal).then(
          (got) => {
            inflight--;
            if (got < n) end = Math.min(end, off + got);
            pump();
          },
          (err: unknown) => {
            inflight--;
            error ??= err;
            pump();
          },
        );
      }
      if (inflight === 0) {
        if (error !== null) reject(error);
        else resolve(end);
      }
    };
    pump();
  });
}

/** The rest of the file from the handle's current position (Node's `filehandle.readFile`). @internal */
export async function readWhole(h: AioFileHandle, options: unknown, syscall: string): Promise<Buffer | string> {
  h._check(syscall);
  const o = getOptions(options, { encoding: null });
  const signal = checkSignal(o.signal);
  const encoding = checkEncoding(o.encoding);
  throwIfAborted(signal);
  const st = await fstat(h.fd);
  throwIfAborted(signal);
  h._check(syscall);
  const [start, ticket] = h._claim(0);
  const a = h.alignment;
  const base = a === null ? start : start - (start % a.offset);
  let data: Buffer;
  if (st.isFile() && st.size > 0) {
    if (st.size > IO_MAX) throw tooLarge(st.size);
    const want = Math.max(st.size - base, 0);
    const len = a === null ? want : roundUp(want, a.offset);
    // Large results in package memory: requests fill it in place (no copy
    // through scratch), and it is mapped in huge pages (owned_memory.h).
    const buf = a !== null ? allocAligned(len, a.memory) : len >= OWNED_RESULT ? allocAligned(len) : Buffer.allocUnsafe(len);
    const filled = len === 0 ? 0 : await readParallel(h, buf, base, signal);
    data = buf.subarray(Math.min(start - base, filled), filled);
  } else {
    // Size unknown (procfs, pipes, devices) or zero: read until EOF, as Node does.
    const chunks: Buffer[] = [];
    let pos = base;
    let total = 0;
    for (;;) {
      throwIfAborted(signal);
      const b = a === null ? Buffer.allocUnsafe(UNKNOWN_CHUNK) : allocAligned(UNKNOWN_CHUNK, a.memory);
      const n = await h._xfer(false, b, pos, signal);
      if (n === 0) break;
      chunks.push(b.subarray(0, n));
      pos += n;
      total += n;
      if (total > IO_MAX) throw tooLarge(total);
    }
    data = Buffer.concat(chunks, total).subarray(start - base);
  }
  h._settle(ticket, start + data.length);
  return encoding === null ? data : data.toString(encoding);
}

type Prepared = Uint8Array | Iterable<unknown> | AsyncIterable<unknown>;

/** `data` as Node's writeFile takes it: a view, a string (encoded now), or an iterable. @internal */
export function prepareData(data: unknown, encoding: BufferEncoding | null): Prepared {
  if (ArrayBuffer.isView(data)) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  if (isIterableData(data)) return data;
  if (typeof data !== 'string') throw invalidArgType('data', 'of type string or an instance of Buffer, TypedArray, or DataView', data);
  return Buffer.from(data, encoding ?? 'utf8');
}

/** Writes all of `v` at `pos`, re-issuing the rest after a short write. */
async function writeFully(h: AioFileHandle, v: Uint8Array, pos: number, signal: AbortSignal | undefined): Promise<void> {
  let done = 0;
  while (done < v.byteLength) {
    const n = await h._xfer(true, done === 0 ? v : v.subarray(done), pos + done, signal);
    if (n === 0) throw Object.assign(new Error('EIO: i/o error, write (wrote 0 bytes)'), { code: 'EIO', errno: -5, syscall: 'write' });
    done += n;
  }
}

/**
 * Buffered: `bytes` at `start` in lockstep batches of WRITE_WINDOW requests, all
 * issued in one turn. Buffered writes run on the engine's helper threads, and a
 * batch issued together goes to one helper as one run; writes trickling in one by
 * one spread over helpers that then contend for the inode lock (measured on 1 GiB:
 * batches 3,300-3,400 MiB/s every time; a sliding window 870-3,500).
 */
async function writeParallel(h: AioFileHandle, bytes: Uint8Array, start: number, signal: AbortSignal | undefined): Promise<void> {
  const len = bytes.byteLength;
  for (let off = 0; off < len; off += WRITE_CHUNK * WRITE_WINDOW) {
    throwIfAborted(signal);
    const batch: Promise<void>[] = [];
    for (let at = off; at < Math.min(len, off + WRITE_CHUNK * WRITE_WINDOW); at += WRITE_CHUNK) {
      batch.push(writeFully(h, bytes.subarray(at, Math.min(at + WRITE_CHUNK, len)), start + at, signal));
    }
    const settled = await Promise.allSettled(batch);
    const failed = settled.find((r) => r.status === 'rejected');
    if (failed !== undefined) throw (failed as PromiseRejectedResult).reason;
  }
}

/**
 * O_DIRECT: the data is copied into aligned bounce buffers, WHOLE_IO.directWindow of them
 * in flight; a partial last block is padded with zeros (or with the file's own
 * bytes when the file goes on past it) and the file truncated back to its size.
 */
async function writeDirect(h: AioFileHandle, bytes: Uint8Array, start: number, signal: AbortSignal | undefined): Promise<void> {
  const a = h.alignment!;
  const size0 = (await fstat(h.fd)).size;
  if (h._append) start = size0;
  if (start % a.offset !== 0) {
    throw directError(`a whole-file write would start at ${start}, not a multiple of ${a.offset}`, a);
  }
  const end = start + bytes.byteLength;
  const chunk = roundUp(WHOLE_IO.directChunk, a.offset);
  const free: Buffer[] = [];
  for (let i = 0; i < Math.min(WHOLE_IO.directWindow, Math.ceil(bytes.byteLength / chunk)); i++) free.push(allocAligned(chunk, a.memory));
  const tail = end % a.offset;
  let tailBlock: Buffer | null = null;
  if (tail !== 0 && size0 > end) {
    // The file goes on after the data: keep its bytes in the last block.
    tailBlock = allocAligned(a.offset, a.memory);
    await h._xfer(false, tailBlock, end - tail, signal);
  }
  // Writes that extend the file run synchronously inside io_submit (the engine
  // sends them to helper threads): set the size first, so each is a plain overwrite.
  const alignedEnd = roundUp(end, a.offset);
  if (!h._append && alignedEnd > size0) await ftruncate(h.fd, alignedEnd);
  await new Promise<void>((resolve, reject) => {
    let next = 0;
    let inflight = 0;
    let error: unknown = null;
    const pump = (): void => {
      while (free.length > 0 && next < bytes.byteLength && error === null) {
        const off = next;
        const n = Math.min(chunk, bytes.byteLength - off);
        next += n;
        const buf = free.pop()!;
        buf.set(bytes.subarray(off, off + n));
        let len = n;
        if (n % a.offset !== 0) {
          len = roundUp(n, a.offset);
          const pad = buf.subarray(n, len);
          if (tailBlock !== null) pad.set(tailBlock.subarray(tail, tail + pad.length));
          else pad.fill(0);
        }
        inflight++;
        writeFully(h, buf.subarray(0, len), start + off, signal).then(
          () => {
            inflight--;
            free.push(buf);
            pump();
          },
          (err: unknown) => {
            inflight--;
            error ??= err;
            pump();
          },
        );
      }
      if (inflight === 0 && (next >= bytes.byteLength || error !== null)) {
        if (error !== null) reject(error);
        else resolve();
      }
    };
    pump();
  });
  if (tail !== 0 && tailBlock === null) await ftruncate(h.fd, Math.max(end, size0));
}

async function writeBytes(h: AioFileHandle, bytes: Uint8Array, signal: AbortSignal | undefined): Promise<void> {
  const len = bytes.byteLength;
  if (len === 0) return;
  const [start, ticket] = h._claim(len);
  try {
    if (h.direct) await writeDirect(h, bytes, start, signal);
    else await writeParallel(h, bytes, start, signal);
  } catch (err) {
    h._settle(ticket, start);
    throw err;
  }
  if (h._append) h._settle(ticket, (await fstat(h.fd)).size);
}

/** Writes `data` at the handle's current position (Node's `filehandle.writeFile`). @internal */
export async function writeWhole(h: AioFileHandle, data: unknown, options: unknown, syscall: string): Promise<void> {
  h._check(syscall);
  const o = getOptions(options, { encoding: 'utf8', mode: 0o666, flag: 'w', flush: false });
  checkBoolean(o.flush, 'options.flush', false);
  const encoding = checkEncoding(o.encoding);
  const prepared = prepareData(data, encoding);
  const signal = checkSignal(o.signal);
  await writePrepared(h, prepared, encoding, signal);
}

async function writePrepared(h: AioFileHandle, data: Prepared, encoding: BufferEncoding | null, signal: AbortSignal | undefined): Promise<void> {
  throwIfAborted(signal);
  if (data instanceof Uint8Array) return writeBytes(h, data, signal);
  for await (const chunk of data as AsyncIterable<unknown>) {
    throwIfAborted(signal);
    const bytes = ArrayBuffer.isView(chunk)
      ? new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength)
      : Buffer.from(chunk as string, encoding ?? 'utf8');
    await writeBytes(h, bytes, signal);
  }
}

async function closeAfter<T>(h: AioFileHandle, op: Promise<T>): Promise<T> {
  let value: T;
  try {
    value = await op;
  } catch (err) {
    await h.close().catch(() => undefined);
    throw err;
  }
  await h.close();
  return value;
}

/**
 * The whole contents of a file, as Node's `fsPromises.readFile(path | handle, options?)`,
 * with many requests in flight. Options also take `context` and `direct`.
 */
export function readFile(path: fs.PathLike | AioFileHandle, options?: { encoding?: null; flag?: string | number } & ReadFileOptions | null): Promise<Buffer>;
export function readFile(path: fs.PathLike | AioFileHandle, options: ({ encoding: BufferEncoding } & ReadFileOptions) | BufferEncoding): Promise<string>;
export function readFile(path: fs.PathLike | AioFileHandle, options?: ReadFileOptions | BufferEncoding | null): Promise<Buffer | string>;
export async function readFile(path: unknown, options?: unknown): Promise<Buffer | string> {
  const o = getOptions(options, { flag: 'r' });
  if (isAioHandle(path)) return readWhole(path, o, 'readFile');
  if (isNodeHandle(path)) return fsp.readFile(path, options as never);
  const signal = checkSignal(o.signal);
  throwIfAborted(signal);
  const h = await openFile(path, o.flag || 'r', 0o666, { context: o.context, direct: o.direct });
  return closeAfter(h, readWhole(h, o, 'readFile'));
}

/**
 * Writes a whole file, as Node's `fsPromises.writeFile(path | handle, data, options?)`:
 * `data` a string, Buffer, TypedArray, DataView, or a (sync or async) iterable of them.
 */
export async function writeFile(path: fs.PathLike | AioFileHandle, data: unknown, options?: WriteFileOptions | BufferEncoding | null): Promise<void> {
  const o = getOptions(options, { encoding: 'utf8', mode: 0o666, flag: 'w', flush: false });
  const flag = o.flag || 'w';
  const flush = checkBoolean(o.flush ?? false, 'options.flush', false);
  const encoding = checkEncoding(o.encoding);
  if (isNodeHandle(path)) return fsp.writeFile(path, data as string, options as never);
  const prepared = prepareData(data, encoding);
  const signal = checkSignal(o.signal);
  if (isAioHandle(path)) {
    path._check('writeFile');
    return writePrepared(path, prepared, encoding, signal);
  }
  throwIfAborted(signal);
  const h = await openFile(path, flag, o.mode, { context: o.context, direct: o.direct });
  return closeAfter(
    h,
    (async () => {
      await writePrepared(h, prepared, encoding, signal);
      if (flush) await h.sync();
    })(),
  );
}

/** Appends to a file, as Node's `fsPromises.appendFile(path | handle, data, options?)`. */
export function appendFile(path: fs.PathLike | AioFileHandle, data: unknown, options?: WriteFileOptions | BufferEncoding | null): Promise<void> {
  let o: Record<string, unknown>;
  try {
    o = getOptions(options, { encoding: 'utf8', mode: 0o666, flag: 'a' });
  } catch (err) {
    return Promise.reject(err);
  }
  o = { ...o, flag: o.flag || 'a' };
  return writeFile(path, data, o);
}
