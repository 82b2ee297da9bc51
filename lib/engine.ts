// The request engine under AioContext and the POSIX layer: request slots, the
// user-space FIFO beyond the depth, one native submit per event-loop turn, and
// one JavaScript call per batch of completions.
import { binding, COUNTER_NAMES, NativeQueue, Op, SQ_STATUS, SQ_STRIDE, STATUS_REQUEUE } from './native';

/** @internal */
export const enum State {
  Queued = 0, // in the user-space queue: can still be cancelled
  Kernel = 1, // handed to the native queue: runs to completion
  Done = 2,
}

/** The counters of one context (see the README). */
export interface AioCounters {
  /** Requests the kernel accepted (each once, however often it was retried). */
  submitted: number;
  /** Completions reaped. After everything settles, `completed === submitted`. */
  completed: number;
  /** `io_submit` system calls made. */
  submitCalls: number;
  /** Completions read from the ring in user space. */
  userReaps: number;
  /** `io_getevents` system calls made. */
  geteventsCalls: number;
  /** Requests put back in the user-space queue after `EAGAIN` from a full ring. */
  requeued: number;
  /** Requests re-issued on a helper thread after `RWF_NOWAIT` said `EAGAIN`. */
  fallbacks: number;
}

/**
 * One request. Subclasses say what happens when it settles.
 * @internal
 */
export abstract class Request {
  slot = -1;
  state: State = State.Queued;
  /** Bytes (>= 0) or -errno, once known. */
  result = 0;
  constructor(
    readonly op: Op,
    readonly fd: number,
    readonly buf: ArrayBufferView | ArrayBufferView[] | null,
    readonly lo: number,
    readonly hi: number,
    readonly rwflags: number,
    readonly flags: number,
  ) {}
  /** res: bytes (>= 0) or -errno; atSubmit: io_submit refused it. */
  abstract done(res: number, atSubmit: boolean): void;
}

/** @internal */
export class Engine {
  readonly depth: number;
  readonly #native: NativeQueue;
  readonly #sq: Int32Array;
  readonly #cq: Int32Array;
  readonly #sqBufs: unknown[] = [];
  readonly #free: number[] = [];
  readonly #bySlot: (Request | undefined)[];
  #queue: Request[] = [];
  #head = 0;
  #live = 0;
  #scheduled = false;
  #retry: NodeJS.Timeout | null = null;
  #idle: (() => void)[] = [];
  #destroyed = false;
  readonly #counters = new Float64Array(COUNTER_NAMES.length);
  readonly #backend: 'kernel' | 'threadpool';
  // Kept here so that the native side's weak reference stays valid while idle.
  readonly #onComplete = (n: number): void => this.#complete(n);
  readonly #flush = (): void => {
    this.#scheduled = false;
    this.flushNow();
  };

  constructor(depth: number, allowThreadpool: boolean) {
    this.depth = depth;
    this.#sq = new Int32Array(depth * SQ_STRIDE);
    this.#cq = new Int32Array(depth * 2);
    this.#bySlot = new Array<Request | undefined>(depth).fill(undefined);
    for (let s = depth - 1; s >= 0; s--) this.#free.push(s);
    this.#native = new binding.NativeQueue(depth, this.#sq, this.#cq, this.#onComplete, allowThreadpool);
    // Read once: after destroy() the native side answers null, and stats()
    // of a closed threadpool context used to say 'kernel'.
    this.#backend = this.#native.backend ?? 'kernel';
  }

  get backend(): 'kernel' | 'threadpool' {
    return this.#backend;
  }

  /** Requests queued or in flight, not yet settled. */
  get live(): number {
    return this.#live;
  }

  enqueue(req: Request): void {
    this.#queue.push(req);
    this.#live++;
    if (!this.#scheduled) {
      this.#scheduled = true;
      setImmediate(this.#flush);
    }
  }

  /** Takes a request out of the user-space queue; false once it is in flight. */
  removeQueued(req: Request): boolean {
    if (req.state !== State.Queued) return false;
    req.state = State.Done; // the queue skips it
    this.#settled();
    return true;
  }

  /** Hands every queued request that has a free slot to the kernel, now. */
  flushNow(): void {
    const sq = this.#sq;
    const bufs = this.#sqBufs;
    const queue = this.#queue;
    let n = 0;
    while (this.#head < queue.length && this.#free.length > 0) {
      const req = queue[this.#head++];
      if (req.state !== State.Queued) continue;
      const slot = this.#free.pop()!;
      req.slot = slot;
      req.state = State.Kernel;
      this.#bySlot[slot] = req;
      const o = n * SQ_STRIDE;
      sq[o] = slot;
      sq[o + 1] = req.op;
      sq[o + 2] = req.fd;
      sq[o + 3] = req.lo;
      sq[o + 4] = req.hi;
      sq[o + 5] = req.rwflags;
      sq[o + 6] = req.flags;
      bufs[n++] = req.buf;
    }
    if (this.#head === queue.length) {
      queue.length = 0;
      this.#head = 0;
    } else if (this.#head > 1024 && this.#head * 2 > queue.length) {
      this.#queue = queue.slice(this.#head);
      this.#head = 0;
    }
    if (n === 0) return;
    this.#native.submit(n, bufs);
    bufs.fill(undefined, 0, n);
    // Everything is read out of the shared table before any request settles:
    // settling runs user code (a POSIX notification) that may submit again.
    let requeue: Request[] | null = null;
    let failed: Request[] | null = null;
    for (let i = 0; i < n; i++) {
      const status = sq[i * SQ_STRIDE + SQ_STATUS];
      if (status === 0) continue;
      const req = this.#release(sq[i * SQ_STRIDE]);
      if (status === STATUS_REQUEUE) {
        req.state = State.Queued;
        (requeue ??= []).push(req);
      } else {
        req.state = State.Done;
        req.result = status;
        (failed ??= []).push(req);
      }
    }
    if (requeue !== null) this.#requeue(requeue);
    if (failed !== null) {
      // A request io_submit refused (EBADF, EINVAL...) freed its slot with no
      // completion to follow, and only completions schedule the next flush:
      // when every slot's request was refused (always so at depth 1), what is
      // still queued would wait forever. Submit it on the next turn.
      if (this.#head < this.#queue.length && !this.#scheduled) {
        this.#scheduled = true;
        setImmediate(this.#flush);
      }
      this.#settle(failed, true);
    }
  }

  /**
   * Blocks the thread until at least one completion is in, and settles what
   * came (for lio_listioSync). False when nothing was in flight.
   */
  waitSync(): boolean {
    const n = this.#native.waitSync();
    this.#complete(n);
    return n > 0;
  }

  counters(): AioCounters {
    if (!this.#destroyed) this.#native.counters(this.#counters);
    const out = {} as AioCounters;
    COUNTER_NAMES.forEach((name, i) => (out[name] = this.#counters[i]));
    return out;
  }

  /** Calls fn once nothing is queued or in flight (at once if so now). */
  whenIdle(fn: () => void): void {
    if (this.#live === 0) fn();
    else this.#idle.push(fn);
  }

  /**
   * Ends the native queue; only when idle. done() runs once the kernel context
   * and its eventfd are gone (io_destroy runs off the event loop).
   */
  destroy(done: () => void): void {
    if (this.#destroyed) return;
    this.counters();
    this.#destroyed = true;
    if (this.#retry !== null) clearTimeout(this.#retry);
    if (this.#native.destroy(done)) done();
  }

  #complete(n: number): void {
    const cq = this.#cq;
    // As in flushNow: read the whole batch out of cq before settling any of it.
    const batch = new Array<Request>(n);
    for (let i = 0; i < n; i++) {
      const req = this.#release(cq[2 * i]);
      req.state = State.Done;
      req.result = cq[2 * i + 1];
      batch[i] = req;
    }
    if (this.#head < this.#queue.length && !this.#scheduled) {
      this.#scheduled = true;
      setImmediate(this.#flush);
    }
    this.#settle(batch, false);
  }

  #settle(reqs: Request[], atSubmit: boolean): void {
    for (const req of reqs) {
      this.#settled();
      req.done(req.result, atSubmit);
    }
  }

  #release(slot: number): Request {
    const req = this.#bySlot[slot]!;
    this.#bySlot[slot] = undefined;
    this.#free.push(slot);
    req.slot = -1;
    return req;
  }

  #settled(): void {
    // Idle waiters run after the settling request's own reactions are queued.
    if (--this.#live === 0 && this.#idle.length > 0) queueMicrotask(this.#fireIdle);
  }

  readonly #fireIdle = (): void => {
    if (this.#live !== 0) return;
    const waiters = this.#idle;
    this.#idle = [];
    for (const fn of waiters) fn();
  };

  // A full ring sent these back: they go first, in order. With nothing in
  // flight no completion will come to retry them, so a short timer does.
  #requeue(reqs: Request[]): void {
    this.#queue.splice(this.#head, 0, ...reqs);
    if (this.#free.length === this.depth && this.#retry === null) {
      this.#retry = setTimeout(() => {
        this.#retry = null;
        this.flushNow();
      }, 1);
    }
  }
}
