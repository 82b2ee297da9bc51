// AioContext: promise-based reads, writes and syncs on one kernel AIO context.
// inspect, not String(): String() throws a code-less TypeError for objects
// without a prototype (found by the fuzzer), and for symbols in templates.
import { inspect } from 'util';
import { AbortError, closedError } from './errors';
import { AioCounters, Engine, Request } from './engine';
import { OP_NAMES, PromiseRequest } from './promise-request';
import { setupError } from './setup-error';
import { FLAG_USER_NOWAIT, isData, limits, Op, RWF_APPEND, RWF_DSYNC, RWF_NOWAIT, RWF_SYNC } from './native';
import { checkBoolean, checkInteger, checkObject, checkSignal, Fd, fdOf, Split, splitPosition } from './validate';
import { holdHandle } from './filehandle';
import type { AioTimings } from './timings';
import { fixView, fixViews } from './views';

/** Per-request `RWF_*` flags. */
export interface OpFlags {
  /** `RWF_DSYNC`: the write is durable (data) when it resolves. */
  dsync?: boolean | undefined;
  /** `RWF_SYNC`: the write is durable (data and metadata) when it resolves. */
  sync?: boolean | undefined;
  /** `RWF_APPEND`: append, ignoring the position. */
  append?: boolean | undefined;
  /**
   * `RWF_NOWAIT`: fail with `EAGAIN` (or `EOPNOTSUPP`) rather than block. Without it,
   * such a request is re-issued on a helper thread and you never see those codes.
   */
  nowait?: boolean | undefined;
}

/** Options of one request. */
export interface OpOptions {
  /**
   * Aborts the request. One still waiting in user space is removed and rejects at
   * once; one already in the kernel cannot be cancelled (regular files ignore
   * `io_cancel`), so it rejects with an `AbortError` once the kernel is done with
   * its buffer.
   */
  signal?: AbortSignal | undefined;
  flags?: OpFlags | undefined;
}

/** Options of a context. */
export interface AioContextOptions {
  /** The most requests handed to the kernel at once (1..65536, default 128). */
  depth?: number | undefined;
  /**
   * `'threadpool'`: where kernel AIO is missing (`io_setup` answers `ENOSYS` or
   * `EPERM`), run the same API on the package's helper threads instead of failing.
   * `stats().backend` says which one runs.
   */
  fallback?: 'none' | 'threadpool' | undefined;
}

/** Running counters of a context, and which backend it runs on. */
export interface AioStats extends AioCounters {
  backend: 'kernel' | 'threadpool';
}

/**
 * One Linux kernel AIO context (`io_setup`). A request issued while the
 * context is idle goes to the kernel inside the call; while it is busy, those
 * issued in one turn of the event loop go in one `io_submit`. Completions come back
 * through an eventfd watched by libuv. The context keeps the process alive
 * only while requests are in flight.
 */
export class AioContext {
  readonly #engine: Engine;
  #closed = false;
  #closing: Promise<void> | null = null;

  constructor(options?: AioContextOptions) {
    const opts = checkObject(options, 'options');
    const depth = opts?.depth === undefined ? limits.defaultDepth : checkInteger(opts.depth, 'options.depth', 1, limits.maxDepth);
    const fallback = opts?.fallback ?? 'none';
    if (fallback !== 'none' && fallback !== 'threadpool') {
      throw Object.assign(new TypeError(`The property 'options.fallback' must be 'none' or 'threadpool'. Received ${inspect(fallback)}`), {
        code: 'ERR_INVALID_ARG_VALUE',
      });
    }
    try {
      this.#engine = new Engine(depth, fallback === 'threadpool');
    } catch (err) {
      throw setupError(err, depth);
    }
  }

  /** The depth this context was created with. */
  get depth(): number {
    return this.#engine.depth;
  }

  /** Requests submitted or queued, not yet settled. */
  get inFlight(): number {
    return this.#engine.live;
  }

  /**
   * Reads `buffer.byteLength` bytes at `position` into `buffer`. Resolves to the
   * bytes read: short at end of file, 0 past it.
   */
  read(fd: Fd, buffer: ArrayBufferView, position: number | bigint, options?: OpOptions): Promise<number> {
    return this.#data(Op.Read, fd, buffer, position, options) as Promise<number>;
  }

  /** Writes all of `buffer` at `position`. Resolves to the bytes written. */
  write(fd: Fd, buffer: ArrayBufferView, position: number | bigint, options?: OpOptions): Promise<number> {
    return this.#data(Op.Write, fd, buffer, position, options) as Promise<number>;
  }

  /** Reads into several buffers in turn (`IOCB_CMD_PREADV`, at most 1024). */
  readv(fd: Fd, buffers: readonly ArrayBufferView[], position: number | bigint, options?: OpOptions): Promise<number> {
    return this.#data(Op.Readv, fd, buffers, position, options) as Promise<number>;
  }

  /** Writes several buffers in turn (`IOCB_CMD_PWRITEV`, at most 1024). */
  writev(fd: Fd, buffers: readonly ArrayBufferView[], position: number | bigint, options?: OpOptions): Promise<number> {
    return this.#data(Op.Writev, fd, buffers, position, options) as Promise<number>;
  }

  /**
   * `IOCB_CMD_FSYNC`. Like the kernel's, it does not wait for requests still in
   * flight: await the writes it must cover first.
   */
  fsync(fd: Fd, options?: OpOptions): Promise<void> {
    return this.#data(Op.Fsync, fd, null, undefined, options) as Promise<void>;
  }

  /** `IOCB_CMD_FDSYNC`: as `fsync`, for data only. */
  fdatasync(fd: Fd, options?: OpOptions): Promise<void> {
    return this.#data(Op.Fdsync, fd, null, undefined, options) as Promise<void>;
  }

  /**
   * Where requests spent their time, as percentiles (µs) of three stages: from
   * the call to `io_submit` (`queued`), from `io_submit` to the completion
   * reaped on the event loop (`inKernel`), and from there to the promise
   * settled (`delivered`). Every request since the context was created.
   */
  timings(): AioTimings {
    return this.#engine.timings();
  }

  /** Running counters (they survive `close()`), and the backend in use. */
  stats(): AioStats {
    return { ...this.#engine.counters(), backend: this.#engine.backend };
  }

  /**
   * Stops taking requests (new ones reject with `ERR_AIO_CLOSED`), lets every
   * earlier one finish, then destroys the kernel context and its eventfd.
   * Requests on pipes, sockets and ttys that wait for data or room give up
   * instead (`ECANCELED`): they might wait for good. Calling it again returns
   * the same promise.
   */
  close(): Promise<void> {
    if (this.#closing === null) {
      this.#closed = true;
      this.#engine.stopStreams();
      this.#closing = new Promise((resolve) =>
        this.#engine.whenIdle(() => this.#engine.destroy(resolve)),
      );
    }
    return this.#closing;
  }

  /** `close()`, for `await using ctx = new AioContext()`. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  /** @internal */
  get engine(): Engine {
    return this.#engine;
  }

  /**
   * Hands the engine a request built elsewhere, with its view fixed and its
   * position checked (AioFileHandle's read and write).
   * @internal
   */
  _enqueue(req: Request): void {
    if (this.#closed) throw closedError();
    this.#engine.enqueue(req);
  }

  #data(op: Op, fd: Fd, buf: unknown, position: unknown, options: OpOptions | undefined): Promise<number | void> {
    let req: PromiseRequest;
    try {
      req = this.#prepare(op, fd, buf, position, options);
    } catch (err) {
      return Promise.reject(err);
    }
    const signal = req.signal;
    if (signal?.aborted) return Promise.reject(new AbortError(undefined, { cause: signal.reason }));
    const promise = new Promise<number | undefined>((resolve, reject) => {
      req.resolve = resolve;
      req.reject = reject;
    });
    if (signal !== undefined) {
      req.onAbort = () => this.#abort(req);
      signal.addEventListener('abort', req.onAbort, { once: true });
    }
    // A FileHandle's close() waits for this request, as for Node's own.
    if (typeof fd === 'object') req.unhold = holdHandle(fd);
    this.#engine.enqueue(req);
    return promise as Promise<number | void>;
  }

  #prepare(op: Op, fd: unknown, buf: unknown, position: unknown, options: unknown): PromiseRequest {
    const syscall = OP_NAMES[op];
    const fdNum = fdOf(fd, syscall);
    // What the request touches is fixed here: no user code decides it later.
    const data = op === Op.Read || op === Op.Write ? fixView(buf, 'buffer') : isData(op) ? fixViews(buf, 'buffers') : null;
    const pos: Split = { lo: 0, hi: 0 };
    if (isData(op)) splitPosition(position, pos);
    const opts = checkObject(options, 'options');
    const signal = checkSignal(opts?.signal, 'options.signal');
    const f = checkObject(opts?.flags, 'options.flags');
    let rwflags = 0;
    let flags = 0;
    if (f !== undefined && isData(op)) {
      if (checkBoolean(f.dsync, 'options.flags.dsync')) rwflags |= RWF_DSYNC;
      if (checkBoolean(f.sync, 'options.flags.sync')) rwflags |= RWF_SYNC;
      if (checkBoolean(f.append, 'options.flags.append')) rwflags |= RWF_APPEND;
      if (checkBoolean(f.nowait, 'options.flags.nowait')) {
        rwflags |= RWF_NOWAIT;
        flags |= FLAG_USER_NOWAIT;
      }
    }
    if (this.#closed) throw closedError();
    return new PromiseRequest(op, fdNum, data, pos, rwflags, flags, isData(op) ? (position as number | bigint) : undefined, signal);
  }

  #abort(req: PromiseRequest): void {
    req.onAbort = null;
    if (this.#engine.cancel(req)) {
      req.release();
      req.reject(new AbortError(undefined, { cause: req.signal!.reason }));
    } else {
      req.aborted = true; // rejected when the kernel hands the buffer back
      this.#engine.interrupt(req); // on a pipe or socket: stops waiting
    }
  }
}
