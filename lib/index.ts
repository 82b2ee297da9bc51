/**
 * linux-aio: Linux kernel asynchronous I/O for Node.js, and a POSIX
 * `lio_listio` / `aio_*` API on top of it.
 * @packageDocumentation
 */
if (process.platform !== 'linux') {
  throw Object.assign(
    new Error(`linux-aio runs only on Linux (kernel AIO is a Linux interface); this is ${process.platform}.`),
    { code: 'ERR_LINUX_AIO_PLATFORM' },
  );
}

export { AioContext } from './context';
export type { AioContextOptions, AioStats, OpFlags, OpOptions } from './context';
export type { AioCounters } from './engine';
export type { AioTimings, StageTimings } from './timings';
export { allocAligned, directIoAlignment } from './align';
export type { DirectIoAlignment } from './align';
export { AbortError } from './errors';
export type { CodedError, SystemError } from './errors';
export type { NoBinaryError } from './loader';
export type { Fd } from './validate';
export * from './posix';
