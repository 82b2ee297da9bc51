// aio_cancel: only what still waits in user space can be cancelled; the
// kernel does not cancel file I/O (io_cancel answers EINVAL).
import { AIO_ALLDONE, AIO_CANCELED, AIO_NOTCANCELED, EINPROGRESS } from './constants';
import { posixError } from './errors';
import { isFdNumber } from '../validate';
import { isOpen } from './io';
import { cancel, liveOn, records } from './request';
import type { aiocb } from './types';

/**
 * Cancels `cb`'s request, or with `cb` null or omitted every request on `fd`.
 * A request still queued in user space (beyond the shared context's depth, or
 * an `aio_fsync` waiting for earlier writes) ends with `ECANCELED` and its
 * notification fires: `AIO_CANCELED`. One already in the kernel runs on:
 * `AIO_NOTCANCELED`. Nothing outstanding: `AIO_ALLDONE`. Throws `EBADF` for an
 * fd that is not open, `EINVAL` when `cb.aio_fildes` is not `fd`.
 */
export function aio_cancel(fd: number, cb?: aiocb | null): number {
  if (!isFdNumber(fd) || !isOpen(fd)) throw posixError('EBADF', 'aio_cancel');
  if (cb !== undefined && cb !== null) {
    if (typeof cb !== 'object' || cb.aio_fildes !== fd) throw posixError('EINVAL', 'aio_cancel');
    const req = records.get(cb);
    if (req === undefined || req.status !== EINPROGRESS) return AIO_ALLDONE;
    return cancel(req) ? AIO_CANCELED : AIO_NOTCANCELED;
  }
  let canceled = false;
  let running = false;
  for (const req of liveOn(fd)) {
    if (cancel(req)) canceled = true;
    else running = true;
  }
  return running ? AIO_NOTCANCELED : canceled ? AIO_CANCELED : AIO_ALLDONE;
}
