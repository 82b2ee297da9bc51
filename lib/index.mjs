// ES module entry: the CommonJS build re-exported by name, so that `import`
// and `require` share one instance (and one kernel context per thread).
import cjs from './index.js';

export const {
  AioContext,
  AbortError,
  allocAligned,
  directIoAlignment,
  // POSIX <aio.h>
  aio_read,
  aio_write,
  aio_fsync,
  aio_error,
  aio_return,
  aio_suspend,
  aio_cancel,
  aio_init,
  lio_listio,
  lio_listioSync,
  LIO_READ,
  LIO_WRITE,
  LIO_NOP,
  LIO_WAIT,
  LIO_NOWAIT,
  SIGEV_SIGNAL,
  SIGEV_NONE,
  SIGEV_THREAD,
  AIO_CANCELED,
  AIO_NOTCANCELED,
  AIO_ALLDONE,
  AIO_LISTIO_MAX,
  AIO_PRIO_DELTA_MAX,
  O_SYNC,
  O_DSYNC,
  EINPROGRESS,
  ECANCELED,
} = cjs;
export default cjs;
