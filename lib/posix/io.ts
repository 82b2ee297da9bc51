// aio_read, aio_write, aio_fsync, aio_error, aio_return.
import * as fs from 'fs';
import { Op } from '../native';
import { errno } from '../errors';
import { isFdNumber, Split, splitPosition } from '../validate';
import { subView, viewParts } from '../views';
import { AIO_PRIO_DELTA_MAX, EINPROGRESS, O_DSYNC, O_SYNC } from './constants';
import { posixError } from './errors';
import { ListGroup } from './group';
import { failNow, PosixRequest, records, start } from './request';
import { readSigevent } from './sigevent';
import type { aiocb } from './types';

const { EBADF, EINVAL } = errno;

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null;
}

function validPrio(p: unknown): boolean {
  return p === undefined || (typeof p === 'number' && Number.isInteger(p) && p >= 0 && p <= AIO_PRIO_DELTA_MAX);
}

/**
 * Reads an aiocb once and queues it as a read or write. What aio_read and
 * aio_write throw for (a bad aiocb, reqprio, sigevent, aio_buf, or a getter of
 * the aiocb that throws) becomes the entry's own EINVAL when it comes from a
 * list: a list entry never throws.
 * @internal
 */
export function queueData(
  cb: Record<string, unknown>,
  op: Op.Read | Op.Write,
  syscall: string,
  listed: boolean,
  group: ListGroup | null,
): void {
  let p: Prepared;
  try {
    p = prepareData(cb, op);
  } catch (err) {
    if (!listed) throw err; // the aiocb's own getter threw: the caller's error
    p = { req: new PosixRequest(op, -1, null, 0, 0, null), errno: EINVAL, refused: true };
  }
  if (p.refused && !listed) throw posixError('EINVAL', syscall);
  p.req.group = group;
  records.set(cb, p.req);
  if (p.errno === 0) start(p.req);
  else failNow(p.req, p.errno);
}

interface Prepared {
  req: PosixRequest;
  /** 0, or the errno the request fails with at once (shown by aio_error). */
  errno: number;
  /** aio_read/aio_write refuse the call itself (EINVAL thrown). */
  refused: boolean;
}

function prepareData(cb: Record<string, unknown>, op: Op): Prepared {
  const sig = readSigevent(cb.aio_sigevent);
  const failing = (errno: number, refused = false): Prepared => ({
    req: new PosixRequest(op, -1, null, 0, 0, sig ?? null),
    errno,
    refused,
  });
  if (sig === undefined) return failing(EINVAL, true);
  const buf = cb.aio_buf;
  // Read through the intrinsic getters: a subclass cannot lie about its memory.
  const parts = buf === null ? null : viewParts(buf);
  if (!validPrio(cb.aio_reqprio) || (buf !== null && parts === null)) return failing(EINVAL, true);
  const fd = cb.aio_fildes;
  if (!isFdNumber(fd)) return failing(EBADF);
  const pos: Split = { lo: 0, hi: 0 };
  try {
    splitPosition(cb.aio_offset, pos);
  } catch {
    return failing(EINVAL);
  }
  const n = cb.aio_nbytes;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 0) return failing(EINVAL);
  // The request's own view: exactly aio_nbytes, whatever happens to the aiocb later.
  const view = subView(parts ?? NO_BYTES, n);
  if (view === null) return failing(EINVAL);
  return { req: new PosixRequest(op, fd, view, pos.lo, pos.hi, sig), errno: 0, refused: false };
}

const NO_BYTES = { buffer: new ArrayBuffer(0), offset: 0, length: 0 };

/**
 * Queues a read of `aio_nbytes` bytes at `aio_offset` into `aio_buf`. Throws
 * EINVAL for a bad aiocb, `aio_reqprio` or sigevent; other problems (a bad fd
 * or offset, too many bytes, and what the kernel reports) show through
 * `aio_error` and `aio_return`, and the request's notification still fires.
 */
export function aio_read(cb: aiocb): void {
  if (!isObject(cb)) throw posixError('EINVAL', 'aio_read');
  queueData(cb, Op.Read, 'aio_read', false, null);
}

/** Queues a write; as `aio_read`. With `O_APPEND` writes land in the order of the calls. */
export function aio_write(cb: aiocb): void {
  if (!isObject(cb)) throw posixError('EINVAL', 'aio_write');
  queueData(cb, Op.Write, 'aio_write', false, null);
}

/**
 * Queues a sync of every write on `aio_fildes` queued before it: `O_SYNC` as
 * fsync, `O_DSYNC` as fdatasync. Only `aio_fildes` and `aio_sigevent` are read.
 */
export function aio_fsync(op: number, cb: aiocb): void {
  if (!isObject(cb) || (op !== O_SYNC && op !== O_DSYNC)) throw posixError('EINVAL', 'aio_fsync');
  const sig = readSigevent(cb.aio_sigevent);
  if (sig === undefined) throw posixError('EINVAL', 'aio_fsync');
  const fd = cb.aio_fildes;
  if (!isFdNumber(fd) || !isOpen(fd)) throw posixError('EBADF', 'aio_fsync');
  const req = new PosixRequest(op === O_SYNC ? Op.Fsync : Op.Fdsync, fd, null, 0, 0, sig);
  records.set(cb, req);
  start(req);
}

/** @internal */
export function isOpen(fd: number): boolean {
  try {
    fs.fstatSync(fd);
    return true;
  } catch {
    return false;
  }
}

function recordOf(cb: unknown, syscall: string): PosixRequest {
  const req = isObject(cb) ? records.get(cb) : undefined;
  if (req === undefined) throw posixError('EINVAL', syscall);
  return req;
}

/** 0 when done, `EINPROGRESS`, `ECANCELED`, or the request's errno. EINVAL for an aiocb never queued. */
export function aio_error(cb: aiocb): number {
  return recordOf(cb, 'aio_error').status;
}

/**
 * The bytes transferred (0 for a sync), or -1 when the request failed or is
 * still in progress. It may be called more than once and gives the same value
 * (as glibc's does).
 */
export function aio_return(cb: aiocb): number {
  const req = recordOf(cb, 'aio_return');
  return req.status === EINPROGRESS ? -1 : req.ret;
}
