// The structures of <aio.h>, as plain objects.
//
// Optional fields also accept an explicit `undefined`, so that they type-check
// under `exactOptionalPropertyTypes` when filled from a maybe-undefined value.

/**
 * How a request (or a list) tells you it is done. `T` is the type of
 * `sigev_value`, which `sigev_notify_function` receives: a promise's resolver
 * fits (`new Promise<void>((r) => lio_listio(LIO_NOWAIT, list, { sigev_notify:
 * SIGEV_THREAD, sigev_notify_function: r }))`).
 */
export interface sigevent<T = unknown> {
  /** `SIGEV_NONE`, `SIGEV_SIGNAL` or `SIGEV_THREAD`. */
  sigev_notify: number;
  /** For `SIGEV_SIGNAL`: the signal, 1..64, not `SIGKILL` or `SIGSTOP`. */
  sigev_signo?: number | undefined;
  /** Passed to `sigev_notify_function` (`undefined` when absent); as `si_value.sival_int` with a signal when it is an int32. */
  sigev_value?: T | undefined;
  /** For `SIGEV_THREAD`: called once, on the event loop, with `sigev_value`. */
  sigev_notify_function?: ((value: T) => void) | undefined;
}

/**
 * An asynchronous I/O control block. Its fields are read once, when the request
 * is queued. `TBuffer` is the type of `aio_buf` (so `cb.aio_buf[0]` of an
 * `aiocb<Buffer>` needs no cast); `TValue` that of its notification's value
 * (any by default, so that a plain `aiocb` stands for every aiocb).
 */
export interface aiocb<TBuffer extends ArrayBufferView | null = ArrayBufferView | null, TValue = any> {
  aio_fildes: number;
  aio_offset: number | bigint;
  /** `null` only with `aio_nbytes` 0, or for `aio_fsync` (which ignores it). */
  aio_buf: TBuffer;
  /** At most `aio_buf.byteLength`. */
  aio_nbytes: number;
  /** 0..`AIO_PRIO_DELTA_MAX`: a priority delta (validated; requests still run in FIFO order). */
  aio_reqprio?: number | undefined;
  aio_sigevent?: sigevent<TValue> | undefined;
  /** `LIO_READ`, `LIO_WRITE` or `LIO_NOP` (used by `lio_listio` only). */
  aio_lio_opcode?: number | undefined;
}

/** A relative timeout for `aio_suspend`. */
export interface timespec {
  tv_sec: number;
  tv_nsec: number;
}
