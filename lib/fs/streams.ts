// Read and write streams of an AioFileHandle, with Node's options and events,
// keeping several requests in flight: read-ahead and write-behind.
import * as fs from 'fs';
import { finished, Readable, Writable } from 'stream';
import { allocAligned } from '../align';
import type { AioFileHandle } from './handle';
import { directError } from './handle';
import { checkBoolean, checkEncoding, checkInteger, checkObject, checkSignal, outOfRange, roundUp } from './options';

function knob(name: string, dflt: number): number {
  const v = Number(process.env[name]);
  return Number.isSafeInteger(v) && v > 0 ? v : dflt;
}

/**
 * Default read-ahead: reads in flight per read stream, buffered and O_DIRECT
 * (1 MiB requests). A cold buffered read is bound by the page cache's own
 * allocation in the reading thread (fio, one reader: 710-800 MiB/s at 95% sys
 * here), so reads in flight on helpers in parallel pay off. Measured on a cold
 * 1 GiB file, 64 KiB highWaterMark, requests in package blocks, two rounds
 * each (MiB/s; fs.createReadStream 640-1,000 in the same runs): buffered 2:
 * 872-1,243, 4: 1,288-1,642, 8: 1,313-1,914; O_DIRECT (before package blocks)
 * 2: 1,070, 4: 1,070, 8: 1,195, 16: 1,090.
 */
export const DEFAULT_READ_AHEAD = knob('LINUX_AIO_FS_READ_AHEAD', 4);
/** Default read-ahead of a `direct: true` read stream (1 MiB requests). */
export const DEFAULT_DIRECT_READ_AHEAD = knob('LINUX_AIO_FS_DIRECT_READ_AHEAD', 8);
/**
 * Default write-behind: writes in flight per write stream. Measured as above
 * (64 KiB chunks and highWaterMark): 1: 600, 2: 900, 4: 1,700, 8: 1,640 MiB/s.
 */
export const DEFAULT_WRITE_BEHIND = knob('LINUX_AIO_FS_WRITE_BEHIND', 4);
/**
 * Smallest request of an O_DIRECT read stream: without the page cache's own
 * read-ahead, small requests leave the disk idle; each is delivered in
 * highWaterMark pieces, as Node's chunks.
 */
const DIRECT_READ_CHUNK = knob('LINUX_AIO_FS_DIRECT_READ_CHUNK', 1 << 20);
/** Smallest request of a buffered read stream (default: highWaterMark itself). */
const BUFFERED_READ_CHUNK = knob('LINUX_AIO_FS_BUFFERED_READ_CHUNK', 1);
/** Read streams take their requests' memory from blocks of up to this size… */
const READ_BLOCK = 2 << 20;
/** …for requests of at least this size. */
const MIN_BLOCK_SLICE = 16 * 1024;
/** Smallest request of an O_DIRECT write stream (its chunks are gathered to this). */
const DIRECT_WRITE_CHUNK = 512 * 1024;

/** Options of `createReadStream`, as Node's, plus `readAhead`. */
export interface ReadStreamOptions {
  encoding?: BufferEncoding | null;
  autoClose?: boolean;
  emitClose?: boolean;
  start?: number;
  end?: number;
  highWaterMark?: number;
  signal?: AbortSignal;
  /** Reads kept in flight, each of `highWaterMark` bytes (default 4; with `direct: true`, 8 of at least 1 MiB). */
  readAhead?: number;
}

/** Options of `createWriteStream`, as Node's, plus `writeBehind`. */
export interface WriteStreamOptions {
  encoding?: BufferEncoding | null;
  autoClose?: boolean;
  emitClose?: boolean;
  start?: number;
  highWaterMark?: number;
  signal?: AbortSignal;
  flush?: boolean;
  /** Writes kept in flight before a chunk's callback waits (default 4). */
  writeBehind?: number;
}

interface Pending {
  pos: number;
  len: number;
  buf: Buffer;
  n: number; // -1 while in flight
  error: unknown;
  sent: number; // next position to deliver; -1 until the read is done and looked at
  end: number; // where its wanted bytes end
}

/**
 * Where the file ends, when its size says so: regular files with a size (their
 * size), block devices (Infinity: fstat does not tell). null for others (pipes,
 * sockets, character devices, procfs files of size 0), which may return short
 * reads before their end: read one request at a time, until 0.
 */
function knownSize(fd: number): number | null {
  try {
    const st = fs.fstatSync(fd);
    return st.isFile() && st.size > 0 ? st.size : st.isBlockDevice() ? Infinity : null;
  } catch {
    return Infinity;
  }
}

/** A Readable of a file's bytes from `start` to `end` (inclusive), with read-ahead. */
export class AioReadStream extends Readable {
  /** Bytes delivered so far. */
  bytesRead = 0;
  /** Always false: the file is open already. */
  readonly pending = false;
  /** The handle read from. */
  readonly handle: AioFileHandle;
  readonly start: number | undefined;
  readonly end: number;
  readonly #autoClose: boolean;
  readonly #readAhead: number;
  readonly #ioLen: number;
  readonly #piece: number;
  readonly #align: number;
  readonly #memAlign: number;
  readonly #limit: number; // exclusive end
  #first: number; // first byte wanted
  #next: number; // position of the next request (aligned down for O_DIRECT)
  #queue: Pending[] = [];
  #want = false;
  #eof = false;
  #ahead = 0;
  #followPosition: boolean;
  readonly #sized: boolean;
  readonly #size: number; // Infinity when not known
  #block: Buffer | null = null;
  #blockUsed = 0;

  constructor(handle: AioFileHandle, options?: ReadStreamOptions) {
    const o = checkObject(options, 'options', true) ?? {};
    const encoding = checkEncoding(o.encoding, 'options.encoding');
    const start = o.start === undefined ? undefined : checkInteger(o.start, 'start', 0);
    const end = o.end === undefined || o.end === Infinity ? Infinity : checkInteger(o.end, 'end', 0);
    if (start !== undefined && start > end) throw outOfRange('start', `<= "end" (here: ${end})`, start);
    const hwm = o.highWaterMark === undefined || o.highWaterMark === 0 ? 64 * 1024 : checkInteger(o.highWaterMark, 'options.highWaterMark', 0);
    const autoClose = checkBoolean(o.autoClose, 'options.autoClose', true);
    const emitClose = checkBoolean(o.emitClose, 'options.emitClose', true);
    const readAhead =
      o.readAhead === undefined
        ? handle.direct
          ? DEFAULT_DIRECT_READ_AHEAD
          : DEFAULT_READ_AHEAD
        : checkInteger(o.readAhead, 'options.readAhead', 1, 1024);
    if (handle.fd === -1) throw outOfRange('fd', '>= 0 && <= 2147483647', -1); // as Node, for a closed FileHandle
    super({ highWaterMark: hwm, encoding: encoding ?? undefined, emitClose, autoDestroy: autoClose, signal: checkSignal(o.signal) });
    this.handle = handle;
    this.start = start;
    this.end = end;
    this.#autoClose = autoClose;
    const a = handle.alignment;
    this.#align = a === null ? 1 : a.offset;
    this.#memAlign = a === null ? 0 : a.memory;
    this.#piece = hwm;
    this.#ioLen = roundUp(Math.max(hwm, a === null ? BUFFERED_READ_CHUNK : DIRECT_READ_CHUNK), this.#align);
    this.#followPosition = start === undefined;
    this.#first = start ?? handle._position;
    this.#next = this.#first - (this.#first % this.#align);
    this.#limit = end === Infinity ? Infinity : end + 1;
    const size = knownSize(handle.fd);
    this.#sized = size !== null;
    this.#size = size ?? Infinity;
    this.#readAhead = this.#sized ? readAhead : 1;
  }

  /** The fd of the handle (-1 once closed). */
  get fd(): number {
    return this.handle.fd;
  }

  /** `close(callback?)`: destroys the stream, as Node's `ReadStream#close`. */
  close(callback?: (err?: Error | null) => void): void {
    if (typeof callback === 'function') finished(this, callback);
    this.destroy();
  }

  override _read(): void {
    this.#want = true;
    // read() calls this, then takes what was pushed meanwhile together with
    // what it held: pushing now would join two chunks into a copy.
    if (this.readableLength === 0) this.#pump();
    else process.nextTick(() => this.#pump());
  }

  #pump(): void {
    // One chunk per push, and no more while the consumer wants none: chunks
    // pushed together would be joined (copied) by a read() that takes them all.
    while (this.#want && this.#queue.length > 0 && this.#queue[0].n >= 0) {
      const r = this.#queue[0];
      if (r.error !== null) {
        this.#eof = true;
        this.#queue = [];
        this.destroy(r.error as Error);
        return;
      }
      if (r.sent < 0) {
        // First look at a finished read: what of it is wanted, and whether the file ends here.
        r.sent = Math.max(r.pos, this.#first);
        r.end = Math.min(r.pos + r.n, this.#limit);
        // A short read ends a file whose size is known; others end at a read of 0.
        const short = this.#sized ? r.n < r.len : r.n === 0;
        if (!this.#sized) this.#next = r.pos + r.n;
        if (short || r.end >= this.#limit) {
          this.#eof = true;
          this.#queue.length = 1; // later reads, if any, are past the end
        }
        if (r.end > r.sent) {
          this.bytesRead += r.end - r.sent;
          if (this.#followPosition) this.handle._seek(r.end);
        }
      }
      if (r.sent < r.end) {
        const whole = r.sent === r.pos && r.end === r.pos + r.len && r.len <= this.#piece;
        const to = whole ? r.end : Math.min(r.sent + this.#piece, r.end);
        const chunk = whole ? r.buf : r.buf.subarray(r.sent - r.pos, to - r.pos);
        r.sent = to;
        this.#want = this.push(chunk);
        if (this.destroyed) return;
        if (r.sent < r.end) continue;
      }
      this.#queue.shift();
      if (this.#eof) {
        this.push(null);
        return;
      }
    }
    if (this.#eof || this.destroyed) return;
    while (this.#queue.length < this.#readAhead && this.#next < this.#limit) {
      try {
        this.handle._check('read');
      } catch (err) {
        this.#eof = true;
        this.destroy(err as Error);
        return;
      }
      const pos = this.#next;
      const len = Math.min(this.#ioLen, roundUp(this.#limit - pos, this.#align));
      this.#next += len;
      const buf = this.#take(len);
      const r: Pending = { pos, len, buf, n: -1, error: null, sent: -1, end: 0 };
      this.#queue.push(r);
      this.#ahead++;
      this.handle._xfer(false, buf, pos).then(
        (n) => {
          this.#ahead--;
          r.n = n;
          this.#pump();
        },
        (err: unknown) => {
          this.#ahead--;
          r.n = 0;
          r.error = err;
          this.#pump();
        },
      );
    }
  }

  /**
   * Memory for the next request. Requests of 16 KiB or more of a file whose
   * size is known take a slice of a package block (filled in place, in huge
   * pages from 2 MiB: owned_memory.h), as large as the rest of the range up to
   * 2 MiB, a new one when it is used up. A delivered chunk keeps its block
   * alive, as Node's pooled Buffers do; small chunks get their own memory so
   * that a kept one holds no more than itself.
   */
  #take(len: number): Buffer {
    const align = Math.max(this.#memAlign, 4096);
    if (this.#memAlign === 0 && (len < MIN_BLOCK_SLICE || !this.#sized)) return Buffer.allocUnsafeSlow(len);
    if (len > READ_BLOCK / 2) return allocAligned(len, align);
    if (this.#block === null || this.#blockUsed + len > this.#block.length) {
      const rest = Math.min(this.#limit, this.#size) - this.#next;
      this.#block = allocAligned(Math.min(READ_BLOCK, Math.max(roundUp(rest + len, align), len)), align);
      this.#blockUsed = 0;
    }
    const buf = this.#block.subarray(this.#blockUsed, this.#blockUsed + len);
    this.#blockUsed += roundUp(len, align);
    return buf;
  }

  override _destroy(err: Error | null, cb: (err?: Error | null) => void): void {
    this.#eof = true;
    this.#queue = [];
    if (this.#autoClose) this.handle.close().then(() => cb(err), (e: Error) => cb(err ?? e));
    else cb(err);
  }
}

/** A Writable to a file from `start`, with write-behind. */
export class AioWriteStream extends Writable {
  /** Bytes written so far (completed). */
  bytesWritten = 0;
  /** Always false: the file is open already. */
  readonly pending = false;
  readonly handle: AioFileHandle;
  readonly start: number | undefined;
  readonly #autoClose: boolean;
  readonly #flush: boolean;
  readonly #behind: number;
  #pos: number;
  #inflight = 0;
  #waiting: ((err?: Error | null) => void) | null = null;
  #idle: (() => void) | null = null;
  #error: Error | null = null;
  // O_DIRECT: chunks are gathered into aligned blocks.
  readonly #align: number;
  readonly #memAlign: number;
  readonly #stageSize: number;
  #stage: Buffer | null = null;
  #staged = 0;
  #free: Buffer[] = [];

  constructor(handle: AioFileHandle, options?: WriteStreamOptions) {
    const o = checkObject(options, 'options', true) ?? {};
    const encoding = checkEncoding(o.encoding, 'options.encoding');
    const start = o.start === undefined ? undefined : checkInteger(o.start, 'start', 0);
    const autoClose = checkBoolean(o.autoClose, 'options.autoClose', true);
    const emitClose = checkBoolean(o.emitClose, 'options.emitClose', true);
    const flush = checkBoolean(o.flush, 'options.flush', false);
    const behind = o.writeBehind === undefined ? DEFAULT_WRITE_BEHIND : checkInteger(o.writeBehind, 'options.writeBehind', 1, 1024);
    const hwm = o.highWaterMark === undefined ? undefined : checkInteger(o.highWaterMark, 'options.highWaterMark', 0);
    if (handle.fd === -1) throw outOfRange('fd', '>= 0 && <= 2147483647', -1); // as Node, for a closed FileHandle
    super({
      highWaterMark: hwm,
      decodeStrings: true,
      defaultEncoding: encoding ?? 'utf8',
      emitClose,
      autoDestroy: autoClose,
      signal: checkSignal(o.signal),
    });
    this.handle = handle;
    this.start = start;
    this.#autoClose = autoClose;
    this.#flush = flush;
    this.#behind = behind;
    this.#pos = start ?? handle._position;
    const a = handle.alignment;
    this.#align = a === null ? 1 : a.offset;
    this.#memAlign = a === null ? 0 : a.memory;
    this.#stageSize = roundUp(Math.max(this.writableHighWaterMark, DIRECT_WRITE_CHUNK), this.#align);
    if (a !== null && this.#pos % a.offset !== 0 && !handle._append) {
      throw directError(`the stream would start at ${this.#pos}, not a multiple of ${a.offset}`, a);
    }
  }

  /** The fd of the handle (-1 once closed). */
  get fd(): number {
    return this.handle.fd;
  }

  /** `close(callback?)`: ends the stream, then closes, as Node's `WriteStream#close`. */
  close(callback?: (err?: Error | null) => void): void {
    if (callback) {
      if (this.closed) {
        process.nextTick(callback);
        return;
      }
      this.on('close', callback);
    }
    if (!this.writableEnded) this.end();
    else if (this.writableFinished) this.destroy();
  }

  override _write(chunk: Buffer, _enc: BufferEncoding, cb: (err?: Error | null) => void): void {
    this.#accept([chunk], cb);
  }

  override _writev(chunks: Array<{ chunk: Buffer }>, cb: (err?: Error | null) => void): void {
    this.#accept(
      chunks.map((c) => c.chunk),
      cb,
    );
  }

  #accept(bufs: Buffer[], cb: (err?: Error | null) => void): void {
    if (this.#error !== null) return cb(this.#error);
    try {
      this.handle._check('write');
    } catch (err) {
      return cb(err as Error);
    }
    if (this.#memAlign !== 0) {
      for (const b of bufs) this.#stageBytes(b);
    } else {
      this.#issue(bufs.length === 1 ? bufs[0] : Buffer.concat(bufs), null);
    }
    if (this.#inflight < this.#behind) cb();
    else this.#waiting = cb;
  }

  // Gathers bytes into aligned blocks; issues each block when full.
  #stageBytes(b: Buffer): void {
    let off = 0;
    while (off < b.length) {
      if (this.#stage === null) this.#stage = this.#free.pop() ?? allocAligned(this.#stageSize, this.#memAlign);
      const n = Math.min(b.length - off, this.#stageSize - this.#staged);
      b.copy(this.#stage, this.#staged, off, off + n);
      this.#staged += n;
      off += n;
      if (this.#staged === this.#stageSize) {
        const s = this.#stage;
        this.#stage = null;
        this.#staged = 0;
        this.#issue(s, s);
      }
    }
  }

  #issue(buf: Buffer, recycle: Buffer | null, logical = buf.length): void {
    const pos = this.#pos;
    this.#pos += logical;
    this.#inflight++;
    this.#writeAll(buf, pos).then(
      () => {
        this.#inflight--;
        this.bytesWritten += logical;
        if (this.start === undefined) this.handle._seek(Math.max(this.handle._position, pos + logical));
        if (recycle !== null) this.#free.push(recycle);
        this.#settled(null);
      },
      (err: Error) => {
        this.#inflight--;
        this.#settled(err);
      },
    );
  }

  async #writeAll(buf: Buffer, pos: number): Promise<void> {
    let done = 0;
    while (done < buf.length) {
      const n = await this.handle._xfer(true, done === 0 ? buf : buf.subarray(done), pos + done);
      if (n === 0) throw Object.assign(new Error('EIO: i/o error, write (wrote 0 bytes)'), { code: 'EIO', errno: -5, syscall: 'write' });
      done += n;
    }
  }

  #settled(err: Error | null): void {
    if (err !== null && this.#error === null) {
      this.#error = err;
      const w = this.#waiting;
      this.#waiting = null;
      if (w !== null) w(err);
      else if (this.#idle === null) this.destroy(err);
    } else if (this.#waiting !== null && this.#inflight < this.#behind) {
      const w = this.#waiting;
      this.#waiting = null;
      w(this.#error);
    }
    if (this.#inflight === 0 && this.#idle !== null) {
      const idle = this.#idle;
      this.#idle = null;
      idle();
    }
  }

  #drain(): Promise<void> {
    if (this.#inflight === 0) return Promise.resolve();
    return new Promise((resolve) => {
      this.#idle = resolve;
    });
  }

  override _final(cb: (err?: Error | null) => void): void {
    (async () => {
      if (this.#stage !== null && this.#staged > 0) await this.#writeTail();
      await this.#drain();
      if (this.#error !== null) throw this.#error;
      if (this.#flush) await this.handle.sync();
    })().then(() => cb(), (err: Error) => cb(err));
  }

  // O_DIRECT: the last, partial block, padded, then the file cut back to its length.
  async #writeTail(): Promise<void> {
    await this.#drain();
    if (this.#error !== null) return;
    const stage = this.#stage!;
    const n = this.#staged;
    this.#stage = null;
    this.#staged = 0;
    const len = roundUp(n, this.#align);
    const pos = this.handle._append ? fs.fstatSync(this.handle.fd).size : this.#pos;
    const end = pos + n;
    const size0 = fs.fstatSync(this.handle.fd).size;
    let keep = false;
    if (size0 > end) {
      const block = allocAligned(this.#align, this.#memAlign);
      const blockPos = end - (end % this.#align);
      await this.handle._xfer(false, block, blockPos);
      stage.set(block.subarray(end - blockPos), n);
      keep = true;
    } else {
      stage.fill(0, n, len);
    }
    try {
      await this.#writeAll(stage.subarray(0, len), pos);
      this.#pos = end;
      this.bytesWritten += n;
      if (!keep) await new Promise<void>((resolve, reject) => fs.ftruncate(this.handle.fd, end, (e) => (e ? reject(e) : resolve())));
    } catch (err) {
      this.#error ??= err as Error;
    }
  }

  override _destroy(err: Error | null, cb: (err?: Error | null) => void): void {
    this.#drain().then(() => {
      if (this.#autoClose) this.handle.close().then(() => cb(err), (e: Error) => cb(err ?? e));
      else cb(err);
    });
  }
}
