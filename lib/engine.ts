// The request engine under AioContext and the POSIX layer: request slots, the
// user-space FIFO beyond the depth, one native submit per event-loop turn, and
// one JavaScript call per batch of completions.
import { errno } from './errors';
import { binding, COUNTER_NAMES, CQ_STRIDE, NativeQueue, Op, SQ, STATUS } from './native';
import { AioTimings, BUCKETS, bucketOf, stageTimings } from './timings';
import { totalBytes } from './views';

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
  /**
   * Requests whose bytes were copied through the context's own memory: their
   * buffers are not `allocAligned` memory, and they did not run inside
   * `io_submit` (O_DIRECT, a helper thread, a stream).
   */
  copied: number;
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
  /** In flight into package scratch: copied into the views at completion. */
  copyOut = false;
  /** performance.now() at the call, for one request in TIMING_SAMPLE; else -1. */
  tCall = -1;
  /** The file the fd named at the call (see Engine.bindFile); 0 and 0: not yet bound. */
  fileLo = 0;
  fileHi = 0;
  /** Bytes the views covered at the call: the request never touches more. */
  readonly bytes: number;
  constructor(
    readonly op: Op,
    readonly fd: number,
    /** Fixed views (see views.ts): one, an array for readv/writev, or null. */
    readonly views: ArrayBufferView | ArrayBufferView[] | null,
    readonly posLo: number,
    readonly posHi: number,
    /** RWF_* flags for the kernel. */
    readonly rwFlags: number,
    /** Flags for the native side (FLAG_USER_NOWAIT). */
    readonly nativeFlags: number,
  ) {
    this.bytes = totalBytes(views);
  }
  /** res: bytes (>= 0) or -errno; atSubmit: io_submit refused it. */
  abstract done(res: number, atSubmit: boolean): void;
}

const TWO_32 = 4294967296;
/** The JavaScript stages of timings() measure one request in this many (a power of two). */
const TIMING_SAMPLE = 8;

// One submission entry, laid out as src-native/protocol.h says.
function writeEntry(sq: Int32Array, o: number, req: Request): void {
  sq[o + SQ.slot] = req.slot;
  sq[o + SQ.op] = req.op;
  sq[o + SQ.fd] = req.fd;
  sq[o + SQ.posLo] = req.posLo;
  sq[o + SQ.posHi] = req.posHi;
  sq[o + SQ.rwFlags] = req.rwFlags;
  sq[o + SQ.flags] = req.nativeFlags;
  sq[o + SQ.status] = 0;
  sq[o + SQ.lenLo] = req.bytes >>> 0;
  sq[o + SQ.lenHi] = (req.bytes / TWO_32) >>> 0;
  sq[o + SQ.fileLo] = req.fileLo;
  sq[o + SQ.fileHi] = req.fileHi;
}

// Settling runs user code (a POSIX notification, a promise's sync reaction
// is not, but a subclass may): whatever it throws is reported as uncaught and
// stops no other request of the batch.
function reportUncaught(err: unknown): void {
  process.nextTick(() => {
    throw err;
  });
}

/** @internal */
export class Engine {
  readonly depth: number;
  readonly #native: NativeQueue;
  readonly #sq: Int32Array;
  readonly #cq: Int32Array;
  readonly #sqViews: unknown[] = [];
  readonly #free: number[] = [];
  readonly #bySlot: (Request | undefined)[];
  #queue: Request[] = [];
  #head = 0;
  #live = 0;
  #scheduled = false;
  // Requests io_submit refused inside the call that issued them: settled in a
  // microtask once that call has returned, or by flushNow, whichever is first.
  #refused: Request[] = [];
  #retry: NodeJS.Timeout | null = null;
  #idle: (() => void)[] = [];
  #destroyed = false;
  readonly #counters = new Float64Array(COUNTER_NAMES.length);
  readonly #queued = new Float64Array(BUCKETS);
  readonly #inKernel = new Float64Array(BUCKETS);
  readonly #delivered = new Float64Array(BUCKETS);
  #timingTick = 0;
  // Requests at #queue[#unbound] and after are not bound to a file yet.
  #unbound = 0;
  readonly #fileOut = new Int32Array(2);
  readonly #backend: 'kernel' | 'threadpool';
  // Kept here so that the native side's weak reference stays valid while idle.
  readonly #onComplete = (n: number): void => this.#complete(n);
  readonly #onImmediate = (): void => {
    this.#scheduled = false;
    this.#flush(false);
  };

  #scheduleFlush(): void {
    if (this.#scheduled) return;
    this.#scheduled = true;
    setImmediate(this.#onImmediate);
  }

  constructor(depth: number, allowThreadpool: boolean) {
    this.depth = depth;
    this.#sq = new Int32Array(depth * SQ.stride);
    this.#cq = new Int32Array(depth * CQ_STRIDE);
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

  /**
   * Records the file req.fd names now: the request will act on that file or
   * fail EBADF, even if the fd number is closed and reused before it reaches
   * the kernel. (One fstat; the native side binds requests that reach it
   * unbound to the file their fd names then.)
   */
  bindFile(req: Request): void {
    binding.fileId(req.fd, this.#fileOut);
    req.fileLo = this.#fileOut[0];
    req.fileHi = this.#fileOut[1];
  }

  enqueue(req: Request): void {
    // One request in TIMING_SAMPLE is timed: two clock reads each cost ~5% of
    // a cached 4 KiB read when every request is timed.
    if ((this.#timingTick++ & (TIMING_SAMPLE - 1)) === 0) req.tCall = performance.now();
    if (this.#live++ === 0 && !this.#scheduled && this.#free.length > 0) {
      // Idle: there is no batch to gather, so the request goes to the kernel
      // inside the call (the setImmediate cost a depth-1 read 3-6% of its IOPS:
      // docs/internals.md). Nothing waits ahead of it: what the queue still
      // holds was taken back (removeQueued). That goes too: a completion that
      // found it there would schedule a flush, and the next idle request would
      // wait for it.
      if (this.#head !== this.#queue.length) this.#dropQueue();
      this.#take(req, 0);
      this.#submit(1, true);
      return;
    }
    this.#queue.push(req);
    this.#scheduleFlush();
  }

  /** Takes a request out of the user-space queue; false once it is in flight. */
  removeQueued(req: Request): boolean {
    if (req.state !== State.Queued) return false;
    req.state = State.Done; // the queue skips it
    this.#settled();
    return true;
  }

  /**
   * Takes back a request that has not started: one still queued here, or one
   * waiting for a helper behind another on its fd (a pipe, a socket). The
   * caller settles it. False once it runs.
   */
  cancel(req: Request): boolean {
    if (req.state === State.Queued) return this.removeQueued(req);
    if (req.state !== State.Kernel || !this.#native.cancel(req.slot)) return false;
    this.#release(req.slot);
    req.state = State.Done;
    req.copyOut = false;
    this.#settled();
    if (this.#head < this.#queue.length) this.#scheduleFlush();
    return true;
  }

  /**
   * Wakes a started request that waits on a pipe or socket for data or room:
   * it completes with ECANCELED (or with what it moved already). False when
   * the request is not such a one.
   */
  interrupt(req: Request): boolean {
    return req.state === State.Kernel && this.#native.interrupt(req.slot);
  }

  /** From now on, requests on pipes and sockets that would wait give up (close()). */
  stopStreams(): void {
    if (!this.#destroyed) this.#native.stopStreams();
  }

  /**
   * Hands every queued request that has a free slot to the kernel, now; first
   * settles those refused inside their calls (lio_listioSync blocks the thread
   * before the microtask that would settle them can run).
   */
  flushNow(): void {
    this.#settleRefused();
    this.#flush(false);
  }

  readonly #settleRefused = (): void => {
    if (this.#refused.length === 0) return;
    const reqs = this.#refused;
    this.#refused = [];
    this.#settle(reqs, true);
  };

  // inCall: inside the call that issued the request, whose failures must not
  // settle (and run a POSIX notification) before that call returns.
  #flush(inCall: boolean): void {
    const queue = this.#queue;
    let n = 0;
    while (this.#head < queue.length && this.#free.length > 0) {
      const req = queue[this.#head++];
      if (req.state !== State.Queued) continue;
      this.#take(req, n++);
    }
    if (this.#head === queue.length) {
      this.#dropQueue();
    } else {
      this.#bindWaiting();
      if (this.#head > 1024 && this.#head * 2 > queue.length) {
        this.#queue = queue.slice(this.#head);
        this.#unbound -= this.#head;
        this.#head = 0;
      }
    }
    if (n > 0) this.#submit(n, inCall);
  }

  // Empties the user-space queue: only when nothing in it is still Queued.
  #dropQueue(): void {
    this.#queue.length = 0;
    this.#head = 0;
    this.#unbound = 0;
  }

  // Gives req a free slot and writes it as entry i of the next submission.
  #take(req: Request, i: number): void {
    const slot = this.#free.pop()!;
    req.slot = slot;
    req.state = State.Kernel;
    this.#bySlot[slot] = req;
    writeEntry(this.#sq, i * SQ.stride, req);
    this.#sqViews[i] = req.views;
  }

  // Hands the n entries taken to the native side, then deals with what it
  // answered for each: in flight, requeued (a full ring), or refused.
  #submit(n: number, inCall: boolean): void {
    const sq = this.#sq;
    const views = this.#sqViews;
    let now = -1; // one clock read per submission, and only for a timed request
    for (let i = 0; i < n; i++) {
      const t = this.#bySlot[sq[i * SQ.stride + SQ.slot]]!.tCall;
      if (t < 0) continue;
      if (now < 0) now = performance.now();
      this.#queued[bucketOf((now - t) * 1e6)]++;
    }
    try {
      this.#native.submit(n, views);
    } catch (err) {
      // Only a broken invariant gets here; the batch fails rather than hangs.
      for (let i = 0; i < n; i++) sq[i * SQ.stride + SQ.status] = -errno.EIO;
      reportUncaught(err);
    }
    // A loop: views.fill() is a C++ builtin, dearer than the store it makes at depth 1.
    for (let i = 0; i < n; i++) views[i] = undefined;
    // Everything is read out of the shared table before any request settles:
    // settling runs user code (a POSIX notification) that may submit again.
    let requeue: Request[] | null = null;
    let failed: Request[] | null = null;
    for (let i = 0; i < n; i++) {
      const o = i * SQ.stride;
      const status = sq[o + SQ.status];
      if (status === STATUS.inFlight) continue;
      if (status === STATUS.copyOut) {
        this.#bySlot[sq[o + SQ.slot]]!.copyOut = true;
        continue;
      }
      const req = this.#release(sq[o + SQ.slot]);
      if (status === STATUS.requeue) {
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
      if (this.#head < this.#queue.length) this.#scheduleFlush();
      if (!inCall) this.#settle(failed, true);
      else if (this.#refused.push(...failed) === failed.length) queueMicrotask(this.#settleRefused);
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
    this.timings(); // the last of the native side's figures
    this.#destroyed = true;
    if (this.#retry !== null) clearTimeout(this.#retry);
    if (this.#native.destroy(done)) done();
  }

  #complete(n: number): void {
    // The reactions to several completions may issue as many requests: the
    // turn's flush gathers them, even once nothing is left in flight.
    if (n > 1) this.#scheduleFlush();
    const cq = this.#cq;
    // As in flushNow: read the whole batch out of cq before settling any of it.
    const batch = new Array<Request>(n);
    let timed = false;
    for (let i = 0; i < n; i++) {
      const slot = cq[i * CQ_STRIDE];
      let res = cq[i * CQ_STRIDE + 1];
      const req = this.#release(slot);
      if (req.copyOut) {
        // Before the slot can be reused: its scratch holds the bytes read.
        req.copyOut = false;
        if (res > 0) res = this.#native.copyOut(slot, res, req.views!);
      }
      req.state = State.Done;
      req.result = res;
      batch[i] = req;
      timed ||= req.tCall >= 0;
    }
    if (this.#head < this.#queue.length) this.#scheduleFlush();
    // The clock is read only for a batch that holds a timed request.
    this.#settle(batch, false, timed ? performance.now() : -1);
  }

  // tReap: when the batch was read out (a completion batch), for the timings.
  #settle(reqs: Request[], atSubmit: boolean, tReap = -1): void {
    for (const req of reqs) {
      this.#settled();
      try {
        req.done(req.result, atSubmit);
      } catch (err) {
        reportUncaught(err);
      }
      if (tReap >= 0 && req.tCall >= 0) this.#delivered[bucketOf((performance.now() - tReap) * 1e6)]++;
    }
  }

  /** Where requests spent their time (see AioTimings). */
  timings(): AioTimings {
    if (!this.#destroyed) this.#native.timings(this.#inKernel);
    return { queued: stageTimings(this.#queued), inKernel: stageTimings(this.#inKernel), delivered: stageTimings(this.#delivered) };
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

  // Requests that found no free slot wait for a later turn, when their fd
  // number may name another file: bind them to the file it names now, in the
  // turn of their call (one fstat per fd per flush). Those that go to the
  // kernel at once are bound there, at no cost here.
  #bindWaiting(): void {
    this.#bindAll(this.#queue, Math.max(this.#unbound, this.#head));
    this.#unbound = this.#queue.length;
  }

  // Binds the unbound requests of reqs from index `from`: one fileId per run of
  // requests on the same fd.
  #bindAll(reqs: Request[], from: number): void {
    let last: Request | null = null;
    for (let i = from; i < reqs.length; i++) {
      const req = reqs[i];
      if (req.fileLo !== 0 || req.fileHi !== 0) continue;
      if (last !== null && last.fd === req.fd) {
        req.fileLo = last.fileLo;
        req.fileHi = last.fileHi;
      } else {
        this.bindFile(req);
        last = req;
      }
    }
  }

  // A full ring sent these back: they go first, in order. With nothing in
  // flight no completion will come to retry them, so a short timer does.
  #requeue(reqs: Request[]): void {
    this.#bindAll(reqs, 0);
    this.#queue.splice(this.#head, 0, ...reqs);
    this.#unbound += reqs.length; // indices behind the head moved
    if (this.#free.length === this.depth && this.#retry === null) {
      this.#retry = setTimeout(() => {
        this.#retry = null;
        this.flushNow();
      }, 1);
    }
  }
}
