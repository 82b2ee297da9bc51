// The structures of <aio.h>, as plain objects.

/** How a request (or a list) tells you it is done. */
export interface sigevent {
  /** `SIGEV_NONE`, `SIGEV_SIGNAL` or `SIGEV_THREAD`. */
  sigev_notify: number;
  /** For `SIGEV_SIGNAL`: the signal, 1..64, not `SIGKILL` or `SIGSTOP`. */
  sigev_signo?: number;
  /** Passed to `sigev_notify_function`; as `si_value.sival_int` with a signal when it is an int32. */
  sigev_value?: unknown;
  /** For `SIGEV_THREAD`: called once, on the event loop. */
  sigev_notify_function?: (value: unknown) => void;
}

/** An asynchronous I/O control block. Its fields are read once, when the request is queued. */
export interface aiocb {
  aio_fildes: number;
  aio_offset: number | bigint;
  /** `null` only with `aio_nbytes` 0, or for `aio_fsync` (which ignores it). */
  aio_buf: ArrayBufferView | null;
  /** At most `aio_buf.byteLength`. */
  aio_nbytes: number;
  /** 0..`AIO_PRIO_DELTA_MAX`: a priority delta (validated; requests still run in FIFO order). */
  aio_reqprio?: number;
  aio_sigevent?: sigevent;
  /** `LIO_READ`, `LIO_WRITE` or `LIO_NOP` (used by `lio_listio` only). */
  aio_lio_opcode?: number;
}

/** A relative timeout for `aio_suspend`. */
export interface timespec {
  tv_sec: number;
  tv_nsec: number;
}
