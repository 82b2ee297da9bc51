// The constants of <aio.h>, with glibc's values.
import { constants as fsConstants } from 'fs';
import { constants as osConstants } from 'os';

/** `aio_lio_opcode`: read (as `aio_read`). */
export const LIO_READ = 0;
/** `aio_lio_opcode`: write (as `aio_write`). */
export const LIO_WRITE = 1;
/** `aio_lio_opcode`: skip this entry. */
export const LIO_NOP = 2;

/** `lio_listio` mode: wait for the whole list. */
export const LIO_WAIT = 0;
/** `lio_listio` mode: return once queued, notify through the sigevent. */
export const LIO_NOWAIT = 1;

/** `sigev_notify`: queue the signal `sigev_signo` to this process. */
export const SIGEV_SIGNAL = 0;
/** `sigev_notify`: no notification. */
export const SIGEV_NONE = 1;
/** `sigev_notify`: call `sigev_notify_function(sigev_value)` on the event loop. */
export const SIGEV_THREAD = 2;

/** `aio_cancel`: every request asked for was cancelled. */
export const AIO_CANCELED = 0;
/** `aio_cancel`: at least one request was already in the kernel and runs on. */
export const AIO_NOTCANCELED = 1;
/** `aio_cancel`: everything asked for had already completed. */
export const AIO_ALLDONE = 2;

/** The longest list `lio_listio` takes. */
export const AIO_LISTIO_MAX = 4096;
/** The largest `aio_reqprio`. */
export const AIO_PRIO_DELTA_MAX = 20;

/** `aio_fsync` op: file integrity (`fsync`). */
export const O_SYNC: number = fsConstants.O_SYNC;
/** `aio_fsync` op: data integrity (`fdatasync`). */
export const O_DSYNC: number = fsConstants.O_DSYNC;

/** `aio_error` of a request still in progress. */
export const EINPROGRESS: number = osConstants.errno.EINPROGRESS;
/** `aio_error` of a cancelled request. */
export const ECANCELED: number = osConstants.errno.ECANCELED;
