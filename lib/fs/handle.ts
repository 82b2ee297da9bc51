// AioFileHandle: Node's fs/promises FileHandle, with reads and writes on kernel AIO.
import * as fs from 'fs';
import type { FileHandle } from 'fs/promises';
import { createInterface, Interface as ReadlineInterface } from 'readline';
import { AioContext } from '../context';
import { invalidArgType, outOfRange } from '../errors';
import { binding, Op } from '../native';
import { CallbackRequest } from '../promise-request';
import { Split, splitPosition } from '../validate';
import { fixView } from '../views';
import {
  checkBufferArg,
  checkBufferArray,
  checkInteger,
  checkObject,
  closedHandle,
  invalidArgValue,
  ReadFileOptions,
  WriteFileOptions,
} from './options';
import { readWhole, writeWhole } from './whole';
import { AioReadStream, AioWriteStream, ReadStreamOptions, WriteStreamOptions } from './streams';

/** Alignment O_DIRECT needs: of buffer addresses (`memory`), and of positions and lengths (`offset`). */
export interface Alignment {
  memory: number;
  offset: number;
}

/** What `read` resolves to, as Node's. */
export interface ReadResult<T extends ArrayBufferView> {
  bytesRead: number;
  buffer: T;
}

/** What `write` resolves to, as Node's. */
export interface WriteResult<T> {
  bytesWritten: number;
  buffer: T;
}

/** `read(buffer, options)` / `read(options)` fields, as Node's. */
export interface ReadOptions<T extends ArrayBufferView = Buffer> {
  buffer?: T;
  offset?: number | null;
  length?: number | null;
  position?: number | bigint | null;
}

const MAX_IOV = 1024;
const INT32_MAX = 0x7fffffff;
const kNoPos = null;

// Results as Node's: objects without Object.prototype in their chain. Built from
// constructors of a fixed shape (a `{ __proto__: null }` literal is a slow-mode
// object, several times dearer to make).
interface ReadResultCtor {
  new <T>(n: number, buffer: T): ReadResult<never> & { buffer: T };
}
interface WriteResultCtor {
  new <T>(n: number, buffer: T): WriteResult<T>;
}
const ReadRes = function (this: { bytesRead: number; buffer: unknown }, n: number, buffer: unknown) {
  this.bytesRead = n;
  this.buffer = buffer;
} as unknown as ReadResultCtor;
ReadRes.prototype = Object.create(null);
const WriteRes = function (this: { bytesWritten: number; buffer: unknown }, n: number, buffer: unknown) {
  this.bytesWritten = n;
  this.buffer = buffer;
} as unknown as WriteResultCtor;
WriteRes.prototype = Object.create(null);

function readResult<T>(n: number, buffer: T): ReadResult<never> & { buffer: T } {
  return new ReadRes(n, buffer);
}

function writeResult<T>(n: number, buffer: T): WriteResult<T> {
  return new WriteRes(n, buffer);
}

/** Node's rule for `read`: a non-negative safe integer or bigint is a position; anything else, the current one. */
function readPosition(p: unknown): number | bigint | null {
  if (typeof p === 'bigint') return p >= 0n ? p : kNoPos;
  if (typeof p === 'number' && Number.isSafeInteger(p) && p >= 0) return p;
  return kNoPos;
}

/** Node's rule for `write`, `readv`, `writev`: only a non-negative safe integer number is a position. */
function writePosition(p: unknown): number | null {
  return typeof p === 'number' && Number.isSafeInteger(p) && p >= 0 ? p : kNoPos;
}

function view(buf: ArrayBufferView, offset: number, length: number): ArrayBufferView {
  if (offset === 0 && length === buf.byteLength) return buf;
  return new Uint8Array(buf.buffer, buf.byteOffset + offset, length);
}

function eisdir(syscall: string): Error {
  return Object.assign(new Error(`EISDIR: illegal operation on a directory, ${syscall}`), { errno: -21, code: 'EISDIR', syscall });
}

/** The error of a misaligned request on a `direct: true` handle. @internal */
export function directError(what: string, a: Alignment): RangeError & { code: string } {
  return Object.assign(
    new RangeError(
      `O_DIRECT needs the buffer address aligned to ${a.memory} bytes and the position and length to ${a.offset} bytes: ${what}. ` +
        'Use allocAligned() for buffers, or open without { direct: true }.',
    ),
    { code: 'ERR_AIO_DIRECT_ALIGNMENT', alignment: { ...a } },
  );
}

// alignOffset per backing store: its address never moves.
const offsets = new WeakMap<ArrayBufferLike, Map<number, number>>();

function addressAligned(v: ArrayBufferView, alignment: number): boolean | undefined {
  try {
    let m = offsets.get(v.buffer);
    if (m === undefined) offsets.set(v.buffer, (m = new Map()));
    let off = m.get(alignment);
    if (off === undefined) m.set(alignment, (off = binding.alignOffset(v.buffer as ArrayBuffer, alignment)));
    return (v.byteOffset - off) % alignment === 0;
  } catch {
    return undefined; // unknown here: the kernel will say EINVAL, reported as the same error
  }
}

function toErr(e: unknown): Error {
  return e as Error;
}

/**
 * A file opened by `open()` of `linux-aio/fs`, with the methods and results of
 * Node 20's `fs/promises` `FileHandle`. Reads and writes go to an `AioContext`
 * (kernel AIO); `stat`, `truncate`, `chmod`, `chown` and `utimes` are Node's own.
 */
export class AioFileHandle {
  #fh: FileHandle | null;
  #fd: number;
  #ctx: AioContext;
  // An AioContext itself (not a subclass that may override read and write, nor
  // a wrapper), which takes requests built here (#transfer).
  readonly #ownContext: boolean;
  #align: Alignment | null;
  #append: boolean;
  #closed = false;
  #closing: Promise<void> | null = null;
  #pending = 0;
  #idle: Array<() => void> = [];
  #pos = 0;
  #seq = 0;
  // Set when this fd's file takes no kernel AIO (procfs files without read_iter): Node's fs then.
  #viaNode = false;

  // Pipes, FIFOs, sockets, character devices: no positions, and a read may wait
  // for a writer indefinitely. Kernel AIO adds nothing there, and such a read would
  // hold one of the engine's helper threads (shared by every context of the
  // process) for as long as it waits: these go through Node's fs, as Node's own do.
  readonly #stream: boolean;

  /** @internal */
  constructor(fh: FileHandle, ctx: AioContext, flags: number, align: Alignment | null, stream = false) {
    this.#fh = fh;
    this.#fd = fh.fd;
    this.#stream = stream;
    this.#viaNode = stream;
    adoptDispose(fh);
    this.#ctx = ctx;
    this.#ownContext = Object.getPrototypeOf(ctx) === AioContext.prototype;
    this.#align = align;
    this.#append = (flags & fs.constants.O_APPEND) !== 0;
  }

  /** The file descriptor; -1 once `close()` was called. */
  get fd(): number {
    return this.#closed ? -1 : this.#fd;
  }

  /** The context this handle's requests go to. */
  get context(): AioContext {
    return this.#ctx;
  }

  /** Whether the file was opened with O_DIRECT (`direct: true`). */
  get direct(): boolean {
    return this.#align !== null;
  }

  /** O_DIRECT alignment of this file (`null` without `direct: true`). */
  get alignment(): Alignment | null {
    return this.#align === null ? null : { ...this.#align };
  }

  // ---- internals shared with whole-file functions and streams ----

  /** @internal */
  _check(syscall: string): void {
    if (this.#closed) throw closedHandle(syscall);
  }

  /** @internal */
  get _append(): boolean {
    return this.#append;
  }

  /** @internal */
  get _position(): number {
    return this.#pos;
  }

  /** @internal Claims `len` bytes at the current position; returns the position and a ticket. */
  _claim(len: number): [number, number] {
    const p = this.#pos;
    this.#pos = p + len;
    return [p, ++this.#seq];
  }

  /** @internal Moves the current position (streams without \`start\`). */
  _seek(pos: number): void {
    this.#pos = pos;
    this.#seq++;
  }

  /** @internal Sets the current position after a claimed transfer, if no later claim came since. */
  _settle(ticket: number, pos: number): void {
    if (this.#seq === ticket) this.#pos = pos;
  }

  /** @internal One transfer at a position, counted in flight until it settles. */
  _xfer(write: boolean, v: ArrayBufferView, pos: number | bigint, signal?: AbortSignal): Promise<number> {
    this.#pending++;
    const opts = signal === undefined ? undefined : { signal };
    let p: Promise<number>;
    if (this.#viaNode) p = this.#nodeXfer(write, v, pos);
    else p = write ? this.#ctx.write(this.#fd, v, pos, opts) : this.#ctx.read(this.#fd, v, pos, opts);
    return p.then(
      (n) => {
        this.#release();
        return n;
      },
      (e: unknown) => {
        this.#release();
        return this.#recover(write, toErr(e), v, pos, signal);
      },
    );
  }

  /** @internal Resolves once no request of this handle is in flight. */
  _drain(): Promise<void> {
    if (this.#pending === 0) return Promise.resolve();
    return new Promise((resolve) => this.#idle.push(resolve));
  }

  /** @internal Checks a request against the O_DIRECT alignment. */
  _checkDirect(views: readonly ArrayBufferView[], pos: number | bigint): void {
    const a = this.#align;
    if (a === null) return;
    const misplaced = typeof pos === 'number' ? pos % a.offset !== 0 : pos % BigInt(a.offset) !== 0n;
    if (misplaced) throw directError(`the position ${pos} is not a multiple of ${a.offset}`, a);
    for (const v of views) {
      if (v.byteLength % a.offset !== 0) throw directError(`the length ${v.byteLength} is not a multiple of ${a.offset}`, a);
      if (addressAligned(v, a.memory) === false) throw directError(`the buffer's address is not a multiple of ${a.memory}`, a);
    }
  }

  #release(): void {
    if (--this.#pending === 0 && this.#idle.length > 0) {
      const idle = this.#idle;
      this.#idle = [];
      for (const f of idle) f();
    }
  }

  #nodeXfer(write: boolean, v: ArrayBufferView, pos: number | bigint | null): Promise<number> {
    if (this.#stream) pos = null;
    return new Promise((resolve, reject) => {
      const cb = (err: Error | null, n: number): void => (err ? reject(err) : resolve(n));
      const u = new Uint8Array(v.buffer, v.byteOffset, v.byteLength);
      if (write) fs.write(this.#fd, u, 0, u.byteLength, pos as number | null, cb);
      else fs.read(this.#fd, u, 0, u.byteLength, pos as number | null, cb);
    });
  }

  // EINVAL from kernel AIO: misaligned O_DIRECT, a directory, or a file whose
  // driver has no read_iter/write_iter (some procfs files): Node's fs for those.
  #recover(write: boolean, err: Error, v: ArrayBufferView, pos: number | bigint, signal?: AbortSignal): Promise<number> {
    if ((err as { code?: string }).code !== 'EINVAL') return Promise.reject(err);
    if (this.#align !== null) return Promise.reject(Object.assign(directError('the kernel refused the request (EINVAL)', this.#align), { cause: err }));
    let st: fs.Stats;
    try {
      st = fs.fstatSync(this.#fd);
    } catch {
      return Promise.reject(err);
    }
    if (st.isDirectory()) return Promise.reject(eisdir(write ? 'write' : 'read'));
    if (st.isFile() && st.size > 0) return Promise.reject(err);
    this.#viaNode = true;
    if (signal?.aborted) return Promise.reject(err);
    const seekable = !(st.isFIFO() || st.isSocket() || st.isCharacterDevice());
    this.#pending++;
    const p = this.#nodeXfer(write, v, seekable ? pos : null);
    return p.then(
      (n) => {
        this.#release();
        return n;
      },
      (e: unknown) => {
        this.#release();
        throw e;
      },
    );
  }

  // The hot path of read/write: the request settles this call's promise
  // itself (no promise of the context's in between).
  #transfer<B, R>(write: boolean, v: ArrayBufferView, position: number | bigint | null, buf: B, wrap: (n: number, buf: B) => R): Promise<R> {
    const p = position ?? this.#pos;
    let ticket = 0;
    if (this.#align !== null) this._checkDirect([v], p);
    if (this.#viaNode || !this.#ownContext) return this.#transferChained(write, v, position === null, p, buf, wrap);
    const pos: Split = { lo: 0, hi: 0 };
    splitPosition(p, pos);
    const fixed = fixView(v, 'buffer');
    if (position === null) {
      this.#pos = (p as number) + v.byteLength;
      ticket = ++this.#seq;
    }
    this.#pending++;
    return new Promise<R>((resolve, reject) => {
      const onDone = (n: number, err: Error | null): void => {
        this.#release();
        if (err === null) {
          if (ticket !== 0) this.#advance(ticket, write, p as number, n);
          resolve(wrap(n, buf));
          return;
        }
        if (ticket !== 0) this._settle(ticket, p as number);
        this.#recover(write, err, v, p).then((k) => {
          if (ticket !== 0) this.#advance(ticket, write, p as number, k);
          resolve(wrap(k, buf));
        }, reject);
      };
      try {
        this.#ctx._enqueue(new CallbackRequest(write ? Op.Write : Op.Read, this.#fd, fixed, pos, p, onDone));
      } catch (err) {
        onDone(0, toErr(err)); // the context is closed
      }
    });
  }

  // The position after a transfer that claimed it moved n bytes, unless a later claim came since.
  #advance(ticket: number, write: boolean, p: number, n: number): void {
    if (this.#seq === ticket) this.#pos = write && this.#append ? this.#endOfFile(p + n) : p + n;
  }

  // #transfer through _xfer's promise: for files that take no kernel AIO (see
  // #recover), and for a context that is not an AioContext (a wrapper of one).
  #transferChained<B, R>(write: boolean, v: ArrayBufferView, claim: boolean, p: number | bigint, buf: B, wrap: (n: number, buf: B) => R): Promise<R> {
    const ticket = claim ? this._claim(v.byteLength)[1] : 0;
    return this._xfer(write, v, p).then(
      (n) => {
        if (ticket !== 0) this.#advance(ticket, write, p as number, n);
        return wrap(n, buf);
      },
      (e: unknown) => {
        if (ticket !== 0) this._settle(ticket, p as number);
        throw e;
      },
    );
  }

  // After an O_APPEND write, the file position is the end of the file, as with write(2).
  #endOfFile(fallback: number): number {
    try {
      return fs.fstatSync(this.#fd).size;
    } catch {
      return fallback;
    }
  }

  #vector(write: boolean, bufs: ArrayBufferView[], position: number | null): Promise<number> {
    const pos = position ?? this.#pos;
    this._checkDirect(bufs, pos);
    const total = bufs.reduce((s, b) => s + b.byteLength, 0);
    const run = async (at: number): Promise<number> => {
      let done = 0;
      for (let i = 0; i < bufs.length; i += MAX_IOV) {
        const group = bufs.slice(i, i + MAX_IOV);
        const want = group.reduce((s, b) => s + b.byteLength, 0);
        let n: number;
        this.#pending++;
        try {
          if (this.#viaNode) throw Object.assign(new Error('no kernel AIO for this file'), { code: 'EINVAL' });
          n = await (write ? this.#ctx.writev(this.#fd, group, at + done) : this.#ctx.readv(this.#fd, group, at + done));
        } catch (e) {
          if ((e as { code?: string }).code !== 'EINVAL' || this.#align !== null) throw e;
          // Files without kernel AIO (see #recover): one request per buffer.
          n = 0;
          for (const b of group) {
            const k = await this._xfer(write, b, at + done + n);
            n += k;
            if (k < b.byteLength) break;
          }
        } finally {
          this.#release();
        }
        done += n;
        if (n < want) break;
      }
      return done;
    };
    if (position !== null) return run(position);
    const [p, ticket] = this._claim(total);
    return run(p).then(
      (n) => {
        if (this.#seq === ticket) this.#pos = write && this.#append ? this.#endOfFile(p + n) : p + n;
        return n;
      },
      (e: unknown) => {
        this._settle(ticket, p);
        throw e;
      },
    );
  }

  // ---- the FileHandle API ----

  /**
   * Reads into `buffer` (default: a new 16 KiB Buffer), as Node's
   * `filehandle.read(buffer, offset?, length?, position?)`, `read({ buffer, offset, length, position })`
   * or `read(buffer, { offset, length, position })`. `position` null, -1 or omitted: the current
   * position, advanced by the bytes read.
   */
  read<T extends ArrayBufferView = Buffer>(buffer: T, offset?: number | null, length?: number | null, position?: number | bigint | null): Promise<ReadResult<T>>;
  read<T extends ArrayBufferView = Buffer>(buffer: T, options?: ReadOptions<T>): Promise<ReadResult<T>>;
  read<T extends ArrayBufferView = Buffer>(options?: ReadOptions<T>): Promise<ReadResult<T>>;
  read(bufferOrOptions?: unknown, offsetOrOptions?: unknown, length?: unknown, position?: unknown): Promise<ReadResult<ArrayBufferView>> {
    if (this.#closed) return Promise.reject(closedHandle('read'));
    // Fast path: read(buffer, offset, length, position) with plain numbers.
    if (typeof offsetOrOptions === 'number' && typeof length === 'number' && ArrayBuffer.isView(bufferOrOptions)) {
      const b = bufferOrOptions;
      if (Number.isInteger(offsetOrOptions) && offsetOrOptions >= 0 && Number.isInteger(length) && length > 0 && offsetOrOptions + length <= b.byteLength) {
        try {
          return this.#transfer(false, view(b, offsetOrOptions, length), readPosition(position), b, readResult);
        } catch (err) {
          return Promise.reject(err);
        }
      }
    }
    let buffer = bufferOrOptions as ArrayBufferView;
    let offset = offsetOrOptions;
    try {
      if (!ArrayBuffer.isView(buffer)) {
        const o = checkObject(bufferOrOptions, 'options', true) ?? {};
        ({ buffer = Buffer.alloc(16384), offset = 0, length = (buffer as ArrayBufferView).byteLength - (offset as unknown as number), position = null } =
          o as ReadOptions<ArrayBufferView>);
        checkBufferArg(buffer, 'buffer');
      }
      if (offset !== null && typeof offset === 'object') {
        const o = offset as ReadOptions;
        ({ offset = 0, length = buffer.byteLength - (offset as unknown as number), position = null } = o);
      }
      const off = offset === null || offset === undefined ? 0 : checkInteger(offset, 'offset', 0);
      const len = length === null || length === undefined ? buffer.byteLength - off : (length as number);
      if (len === 0) return Promise.resolve(readResult(0, buffer));
      if (buffer.byteLength === 0) throw invalidArgValue('buffer', buffer, 'is empty and cannot be written');
      if (typeof len !== 'number') throw invalidArgType('length', 'of type number', len);
      if (len < 0) throw outOfRange('length', '>= 0', len);
      if (!Number.isInteger(len)) throw outOfRange('length', 'an integer', len);
      if (off + len > buffer.byteLength) throw outOfRange('length', `<= ${buffer.byteLength - off}`, len);
      const buf = buffer;
      return this.#transfer(false, view(buf, off, len), readPosition(position), buf, readResult);
    } catch (err) {
      return Promise.reject(err);
    }
  }

  /**
   * Writes as Node's `filehandle.write(buffer, offset?, length?, position?)`,
   * `write(buffer, { offset, length, position })` or `write(string, position?, encoding?)`.
   */
  write<T extends ArrayBufferView>(buffer: T, offset?: number | null, length?: number | null, position?: number | null): Promise<WriteResult<T>>;
  write<T extends ArrayBufferView>(buffer: T, options?: { offset?: number; length?: number; position?: number | null }): Promise<WriteResult<T>>;
  write(data: string, position?: number | null, encoding?: BufferEncoding | null): Promise<WriteResult<string>>;
  write(buffer: unknown, offsetOrOptions?: unknown, length?: unknown, position?: unknown): Promise<WriteResult<unknown>> {
    if (this.#closed) return Promise.reject(closedHandle('write'));
    try {
      if ((buffer as { byteLength?: number } | null | undefined)?.byteLength === 0) {
        return Promise.resolve(writeResult(0, buffer));
      }
      if (ArrayBuffer.isView(buffer)) {
        let offset = offsetOrOptions;
        if (typeof offset === 'object') {
          ({ offset = 0, length = buffer.byteLength - (offset as unknown as number), position = null } = (offsetOrOptions ?? {}) as {
            offset?: number;
            length?: number;
            position?: number | null;
          });
        }
        const off = offset === null || offset === undefined ? 0 : checkInteger(offset, 'offset', 0);
        const len = typeof length !== 'number' ? buffer.byteLength - off : length;
        if (off > buffer.byteLength) throw outOfRange('offset', `<= ${buffer.byteLength}`, off);
        if (len > buffer.byteLength - off) throw outOfRange('length', `<= ${buffer.byteLength - off}`, len);
        if (len < 0) throw outOfRange('length', '>= 0', len);
        checkInteger(len, 'length', 0, INT32_MAX);
        if (len === 0) return Promise.resolve(writeResult(0, buffer));
        return this.#transfer(true, view(buffer, off, len), writePosition(position), buffer, writeResult);
      }
      if (typeof buffer !== 'string') {
        throw invalidArgType('buffer', 'of type string or an instance of Buffer, TypedArray, or DataView', buffer);
      }
      const encoding = typeof length === 'string' && Buffer.isEncoding(length) ? (length as BufferEncoding) : 'utf8';
      if (encoding === 'hex' && buffer.length % 2 !== 0) throw invalidArgValue('encoding', length, `is invalid for data of length ${buffer.length}`);
      const bytes = Buffer.from(buffer, encoding);
      if (bytes.length === 0) return Promise.resolve(writeResult(0, buffer));
      return this.#transfer(true, bytes, writePosition(offsetOrOptions), buffer, writeResult);
    } catch (err) {
      return Promise.reject(err);
    }
  }

  /** Reads into several buffers in turn, as Node's `filehandle.readv(buffers, position?)`. */
  readv<T extends readonly ArrayBufferView[]>(buffers: T, position?: number | null): Promise<{ bytesRead: number; buffers: T }> {
    return this.#vectorCall(false, buffers, position) as Promise<{ bytesRead: number; buffers: T }>;
  }

  /** Writes several buffers in turn, as Node's `filehandle.writev(buffers, position?)`. */
  writev<T extends readonly ArrayBufferView[]>(buffers: T, position?: number | null): Promise<{ bytesWritten: number; buffers: T }> {
    return this.#vectorCall(true, buffers, position) as Promise<{ bytesWritten: number; buffers: T }>;
  }

  // readv and writev: Node's checks, then the result object as Node shapes it.
  #vectorCall(write: boolean, buffers: readonly ArrayBufferView[], position: number | null | undefined): Promise<unknown> {
    if (this.#closed) return Promise.reject(closedHandle(write ? 'writev' : 'readv'));
    try {
      checkBufferArray(buffers);
      // As Node's: preadv with no buffers is EINVAL.
      if (!write && buffers.length === 0) return Promise.reject(Object.assign(new Error('EINVAL: invalid argument, read'), { errno: -22, code: 'EINVAL', syscall: 'read' }));
      return this.#vector(write, buffers as ArrayBufferView[], writePosition(position)).then((n) => {
        const r = Object.create(null);
        if (write) r.bytesWritten = n;
        else r.bytesRead = n;
        r.buffers = buffers;
        return r;
      });
    } catch (err) {
      return Promise.reject(err);
    }
  }

  /**
   * The rest of the file from the current position, as Node's `filehandle.readFile`:
   * a Buffer, or a string with `encoding`. Many requests in flight.
   */
  readFile(options?: { encoding?: null; signal?: AbortSignal } | null): Promise<Buffer>;
  readFile(options: { encoding: BufferEncoding; signal?: AbortSignal } | BufferEncoding): Promise<string>;
  readFile(options?: ReadFileOptions | BufferEncoding | null): Promise<Buffer | string>;
  readFile(options?: unknown): Promise<Buffer | string> {
    return readWhole(this, options, 'readFile');
  }

  /** Writes `data` at the current position, as Node's `filehandle.writeFile`. */
  writeFile(data: unknown, options?: WriteFileOptions | BufferEncoding | null): Promise<void> {
    return writeWhole(this, data, options, 'writeFile');
  }

  /** As `writeFile` (Node's `filehandle.appendFile` is the same call). */
  appendFile(data: unknown, options?: WriteFileOptions | BufferEncoding | null): Promise<void> {
    return writeWhole(this, data, options, 'writeFile');
  }

  /** `fsync` through kernel AIO, once this handle's requests in flight are done. */
  sync(): Promise<void> {
    return this.#flush('fsync');
  }

  /** `fdatasync` through kernel AIO, once this handle's requests in flight are done. */
  datasync(): Promise<void> {
    return this.#flush('fdatasync');
  }

  async #flush(syscall: 'fsync' | 'fdatasync'): Promise<void> {
    this._check(syscall);
    await this._drain();
    this._check(syscall);
    this.#pending++;
    try {
      if (this.#viaNode) await (syscall === 'fsync' ? this.#fh!.sync() : this.#fh!.datasync());
      else await (syscall === 'fsync' ? this.#ctx.fsync(this.#fd) : this.#ctx.fdatasync(this.#fd));
    } finally {
      this.#release();
    }
  }

  /** Node's `filehandle.stat`. */
  stat(options?: fs.StatOptions & { bigint?: false }): Promise<fs.Stats>;
  stat(options: fs.StatOptions & { bigint: true }): Promise<fs.BigIntStats>;
  stat(options?: fs.StatOptions): Promise<fs.Stats | fs.BigIntStats> {
    if (this.#closed) return Promise.reject(closedHandle('fstat'));
    return this.#fh!.stat(options);
  }

  /** Node's `filehandle.truncate`, once this handle's writes in flight are done. */
  async truncate(len?: number): Promise<void> {
    this._check('ftruncate');
    await this._drain();
    this._check('ftruncate');
    return this.#fh!.truncate(len);
  }

  /** Node's `filehandle.chmod`. */
  chmod(mode: fs.Mode): Promise<void> {
    if (this.#closed) return Promise.reject(closedHandle('fchmod'));
    return this.#fh!.chmod(mode);
  }

  /** Node's `filehandle.chown`. */
  chown(uid: number, gid: number): Promise<void> {
    if (this.#closed) return Promise.reject(closedHandle('fchown'));
    return this.#fh!.chown(uid, gid);
  }

  /** Node's `filehandle.utimes`. */
  utimes(atime: fs.TimeLike, mtime: fs.TimeLike): Promise<void> {
    if (this.#closed) return Promise.reject(closedHandle('futimes'));
    return this.#fh!.utimes(atime, mtime);
  }

  /**
   * Waits for this handle's requests in flight, then closes the file. Every
   * method rejects with `EBADF` from the call on, as Node's closed FileHandle.
   */
  close(): Promise<void> {
    if (this.#closing !== null) return this.#closing;
    if (this.#fh === null) return Promise.resolve();
    this.#closed = true;
    const fh = this.#fh;
    this.#closing = this._drain()
      .then(() => fh.close())
      .finally(() => {
        this.#fh = null;
        this.#closing = null;
      });
    return this.#closing;
  }

  /**
   * A readable stream of the file with read-ahead (`readAhead` requests in flight),
   * with the options of Node's `filehandle.createReadStream`.
   */
  createReadStream(options?: ReadStreamOptions): AioReadStream {
    return new AioReadStream(this, options);
  }

  /** A writable stream with write-behind, with the options of Node's `filehandle.createWriteStream`. */
  createWriteStream(options?: WriteStreamOptions): AioWriteStream {
    return new AioWriteStream(this, options);
  }

  /** Lines of the file, as Node's `filehandle.readLines`. */
  readLines(options?: ReadStreamOptions): ReadlineInterface {
    return createInterface({ input: this.createReadStream(options), crlfDelay: Infinity });
  }
}

export interface AioFileHandle {
  /** `await using`: closes the handle. */
  [Symbol.asyncDispose](): Promise<void>;
}

// Symbol.asyncDispose: the global one where it exists, and also the one Node's own
// FileHandle uses (the same in a plain process; they differ inside a vm context,
// such as a test runner's), taken from the first FileHandle that open() gets.
function defineDispose(sym: symbol): void {
  if (Object.prototype.hasOwnProperty.call(AioFileHandle.prototype, sym)) return;
  Object.defineProperty(AioFileHandle.prototype, sym, {
    value: function (this: AioFileHandle) {
      return this.close();
    },
    writable: true,
    configurable: true,
  });
}
const globalDispose = (Symbol as unknown as { asyncDispose?: symbol }).asyncDispose;
defineDispose(globalDispose ?? Symbol.for('nodejs.asyncDispose'));
let nodeDisposeSeen = false;

/** @internal */
export function adoptDispose(fh: object): void {
  if (nodeDisposeSeen) return;
  nodeDisposeSeen = true;
  for (let p = Object.getPrototypeOf(fh); p !== null && p !== Object.prototype; p = Object.getPrototypeOf(p)) {
    for (const sym of Object.getOwnPropertySymbols(p)) if (sym.description === 'Symbol.asyncDispose' || sym.description === 'nodejs.asyncDispose') defineDispose(sym);
  }
}
