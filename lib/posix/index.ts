// The POSIX <aio.h> API over the kernel AIO engine.
export * from './constants';
export type { aiocb, sigevent, timespec } from './types';
export { aio_read, aio_write, aio_fsync, aio_error, aio_return } from './io';
export { lio_listio, lio_listioSync } from './listio';
export { aio_suspend } from './suspend';
export { aio_cancel } from './cancel';
export { aio_init } from './shared';
