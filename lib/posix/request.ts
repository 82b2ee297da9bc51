// One POSIX request: its status as aio_error/aio_return show it, the requests
// of its fd that are not final yet (for aio_cancel and the fsync barrier), and
// what happens when it ends: its own notification, then its list group.
import { Request } from '../engine';
import { refineErrno } from '../errors';
import { isData, isWrite, Op } from '../native';
import { ECANCELED, EINPROGRESS } from './constants';
import { ListGroup } from './group';
import { inSync, sharedEngine } from './shared';
import { deliver, Notification } from './sigevent';

/** @internal */
export class PosixRequest extends Request {
  status = EINPROGRESS;
  ret = -1;
  /** An aio_fsync held back until the writes queued before it complete. */
  held = false;
  /** How many of those writes are not final yet. */
  barrier = 0;
  /** fsyncs held back for this write. */
  dependents: PosixRequest[] | null = null;
  /** aio_suspend calls waiting for this request. */
  waiters: Set<() => void> | null = null;
  group: ListGroup | null = null;
  readonly sig: Notification | null;

  constructor(op: Op, fd: number, buf: ArrayBufferView | null, lo: number, hi: number, sig: Notification | null) {
    super(op, fd, buf, lo, hi, 0, 0);
    this.sig = sig;
  }

  done(res: number): void {
    finish(this, res, false);
  }

  get isWrite(): boolean {
    return isWrite(this.op);
  }
}

/** The newest request queued with each aiocb. @internal */
export const records = new WeakMap<object, PosixRequest>();

// Requests per fd that are not final yet.
const live = new Map<number, Set<PosixRequest>>();

/** The requests on fd that are not final yet. @internal */
export function liveOn(fd: number): PosixRequest[] {
  const set = live.get(fd);
  return set === undefined ? [] : [...set];
}

/** Queues a request: data requests at once, an fsync once its barrier clears. @internal */
export function start(req: PosixRequest): void {
  let set = live.get(req.fd);
  if (set === undefined) live.set(req.fd, (set = new Set()));
  if (!isData(req.op)) {
    // The kernel's fsync does not wait for earlier requests: hold it in user
    // space until every write queued before it on this fd has completed.
    for (const other of set) {
      if (!other.isWrite) continue;
      (other.dependents ??= []).push(req);
      req.barrier++;
    }
    set.add(req);
    if (req.barrier > 0) {
      // Held across turns: it must still reach the file its fd names now.
      sharedEngine().bindFile(req);
      req.held = true;
      return;
    }
  } else {
    set.add(req);
  }
  sharedEngine().enqueue(req);
}

/**
 * A request reached its final state: res is bytes (>= 0) or -errno. Its status
 * is visible at once; its notification and its group follow, deferred to the
 * event loop when asked (cancellation) or while lio_listioSync blocks.
 * @internal
 */
export function finish(req: PosixRequest, res: number, defer: boolean): void {
  req.status = res < 0 ? refineErrno(-res, req.fd) : 0;
  req.ret = res < 0 ? -1 : isData(req.op) ? res : 0;
  const set = live.get(req.fd);
  if (set !== undefined && set.delete(req) && set.size === 0) live.delete(req.fd);
  if (req.dependents !== null) {
    for (const f of req.dependents) {
      if (f.held && --f.barrier === 0) {
        f.held = false;
        sharedEngine().enqueue(f);
      }
    }
    req.dependents = null;
  }
  if (defer || inSync()) setImmediate(announce, req);
  else announce(req);
}

/** A request that failed before reaching the kernel: final now, announced on the event loop. @internal */
export function failNow(req: PosixRequest, errno: number): void {
  req.status = errno;
  req.ret = -1;
  setImmediate(announce, req);
}

/** Cancels a request still held in user space; false once it is in the kernel. @internal */
export function cancel(req: PosixRequest): boolean {
  if (req.held) {
    req.held = false;
  } else if (!sharedEngine().cancel(req)) {
    return false;
  }
  finish(req, -ECANCELED, true);
  return true;
}

function announce(req: PosixRequest): void {
  deliver(req.sig);
  if (req.waiters !== null) {
    for (const wake of req.waiters) wake();
    req.waiters = null;
  }
  // The group's notification comes after this request's own.
  req.group?.check(req.status !== 0);
}
